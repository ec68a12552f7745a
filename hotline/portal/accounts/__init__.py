"""Portal accounts: who logs in, in which role, through SURFconext (OIDC) or a local account."""
