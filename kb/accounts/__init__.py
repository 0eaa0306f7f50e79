"""Users, organisations, roles, sign-in and registration approval."""
