"""Pieces shared by every domain: ids, money/quantity types, validators, errors, pagination."""
