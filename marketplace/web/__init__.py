"""HTTP plumbing shared by every domain: errors, ids in URLs, etags, pagination, the base
schema and its fields, health probes and the gunicorn worker."""
