"""fedi: a federated microblogging server speaking ActivityPub."""

__version__ = "0.1.0"
SOFTWARE_NAME = "fedi"
