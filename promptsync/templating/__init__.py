"""Template languages: which variables a text uses, and binding values into it."""
