"""Input data for briefgen: records, readers, indicators and the province registry."""
