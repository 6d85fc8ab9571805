"""Templates: sandboxed Jinja2 emitting the XML vocabulary of the document model."""
