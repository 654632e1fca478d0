"""Retrieve: lexical (BM25) and semantic (embedding) search over the stored pairs, fused."""
