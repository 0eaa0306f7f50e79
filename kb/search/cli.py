"""``kb index …``: rebuild, sync, status, check."""

import click

index_group = click.Group("index", help="Maintenir l'index de recherche.")
