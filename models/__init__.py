"""Tables (SQLModel) and the typed values that cross the workflow boundary."""
