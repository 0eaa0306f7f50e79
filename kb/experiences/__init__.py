"""The write-up (*fiche d'expérience*): model, forms, operations and views."""
