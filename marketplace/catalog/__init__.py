"""Ingredient listings: model, validation, workflow, quotes and bulk import."""
