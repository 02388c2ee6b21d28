"""Users, organizations, memberships, API tokens, auth decorators, supplier verification."""
