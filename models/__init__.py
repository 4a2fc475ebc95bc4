"""The typed values that cross the workflow boundary, one module per subject; ``enums`` is the
vocabulary every layer shares."""
