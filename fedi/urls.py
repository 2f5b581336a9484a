"""The one place that knows this instance's URL layout."""

from __future__ import annotations

from urllib.parse import SplitResult, quote, urlsplit


DEFAULT_PORTS = {"http": "80", "https": "443"}


def split_url(value: object) -> SplitResult | None:
    """`urlsplit(value)` for a string that came from a request or a peer: None instead of
    an exception when it cannot be split (unbalanced IPv6 brackets) or its port is not a
    number from 0 to 65535."""
    if not isinstance(value, str):
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return None
    return parts


def normal_authority(value: str, scheme: str) -> str:
    """`host[:port]` lower-cased, without the scheme's default port."""
    host = value.strip().lower()
    default = DEFAULT_PORTS.get(scheme)
    if default and host.endswith(f":{default}") and not host.endswith("]"):
        host = host[: -len(default) - 1]
    return host


class Urls:
    def __init__(self, base_url: str, aliases: tuple[str, ...] | list[str] = ()):
        self.base = base_url.rstrip("/")
        self.scheme = urlsplit(self.base).scheme.lower()
        self.domain = urlsplit(self.base).netloc.lower()
        self.authorities = frozenset(normal_authority(a, self.scheme) for a in (self.domain, *aliases))

    def is_own_authority(self, value: str | None) -> bool:
        """True when `value` (a Host header, or a signed host) names this instance or an alias."""
        return bool(value) and normal_authority(value, self.scheme) in self.authorities

    # Actors ----------------------------------------------------------------
    def actor(self, username: str) -> str:
        return f"{self.base}/users/{username}"

    def key_id(self, username: str) -> str:
        return f"{self.actor(username)}#main-key"

    def inbox(self, username: str) -> str:
        return f"{self.actor(username)}/inbox"

    def outbox(self, username: str) -> str:
        return f"{self.actor(username)}/outbox"

    def followers(self, username: str) -> str:
        return f"{self.actor(username)}/followers"

    def following(self, username: str) -> str:
        return f"{self.actor(username)}/following"

    def featured(self, username: str) -> str:
        return f"{self.actor(username)}/collections/featured"

    def profile(self, username: str) -> str:
        return f"{self.base}/@{username}"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    @property
    def instance_actor(self) -> str:
        return f"{self.base}/actor"

    @property
    def instance_key_id(self) -> str:
        return f"{self.instance_actor}#main-key"

    @property
    def local_public(self) -> str:
        """The address of local-only posts: everyone signed in here, nobody elsewhere."""
        return f"{self.base}/#Public"

    # Objects ---------------------------------------------------------------
    def status(self, username: str, status_id: str) -> str:
        return f"{self.actor(username)}/statuses/{status_id}"

    def status_html(self, username: str, status_id: str) -> str:
        return f"{self.profile(username)}/{status_id}"

    def replies(self, username: str, status_id: str) -> str:
        return f"{self.status(username, status_id)}/replies"

    def activity(self, activity_id: str) -> str:
        return f"{self.base}/activities/{activity_id}"

    def tag(self, name: str) -> str:
        return f"{self.base}/tags/{quote(name.lower())}"

    # Recognising our own URIs ------------------------------------------------
    def is_local(self, uri: str | None) -> bool:
        return bool(uri) and (uri == self.base or uri.startswith(self.base + "/"))

    def username_of(self, actor_uri: str) -> str | None:
        prefix = f"{self.base}/users/"
        if actor_uri.startswith(prefix):
            rest = actor_uri[len(prefix):]
            if rest and "/" not in rest and "#" not in rest:
                return rest
        return None

    def status_id_of(self, uri: str) -> str | None:
        """The local status id in .../users/NAME/statuses/ID (None otherwise)."""
        prefix = f"{self.base}/users/"
        if not uri.startswith(prefix):
            return None
        parts = uri[len(prefix):].split("/")
        if len(parts) == 3 and parts[1] == "statuses" and parts[2].isdigit():
            return parts[2]
        return None

    def activity_id_of(self, uri: str) -> str | None:
        prefix = f"{self.base}/activities/"
        if uri.startswith(prefix) and uri[len(prefix):].isdigit():
            return uri[len(prefix):]
        return None
