"""Answer: confidence and abstention, related questions, and the rendered page."""
