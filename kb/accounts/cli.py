"""``kb user …``: create, list and disable accounts."""

import click

user_group = click.Group("user", help="Gérer les comptes.")
