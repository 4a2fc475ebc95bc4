"""Helpers without domain knowledge: files, French text in and out, units."""
