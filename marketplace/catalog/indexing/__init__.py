"""Keeping the search index in step with the catalogue: the transactional outbox, its drain
to the search backend, and the full reindex (`flask search …`)."""
