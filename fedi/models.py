"""Plain domain records passed between storage, services and faces. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Account:
    id: str
    uri: str
    username: str
    domain: str | None  # None for local accounts
    display_name: str = ""
    note: str = ""
    url: str | None = None
    actor_type: str = "Person"
    inbox_url: str | None = None
    shared_inbox_url: str | None = None
    outbox_url: str | None = None
    followers_url: str | None = None
    following_url: str | None = None
    featured_url: str | None = None
    public_key_id: str | None = None
    public_key_pem: str | None = None
    locked: bool = False
    discoverable: bool = True
    bot: bool = False
    avatar_url: str | None = None
    header_url: str | None = None
    fields: list[dict] = field(default_factory=list)
    also_known_as: list[str] = field(default_factory=list)
    published: str | None = None
    suspended: bool = False
    fetched_at: float | None = None
    created_at: float = 0.0
    updated_at: float = 0.0

    @property
    def local(self) -> bool:
        return self.domain is None

    def acct(self, local_domain: str) -> str:
        return f"{self.username}@{self.domain or local_domain}"

    @property
    def delivery_inbox(self) -> str | None:
        return self.shared_inbox_url or self.inbox_url


@dataclass
class Experience:
    """One role in a professional profile's work history. Dates are "YYYY" or "YYYY-MM";
    an empty `end` means the role is current."""

    role: str
    organization: str = ""
    start: str = ""
    end: str = ""
    description: str = ""


@dataclass
class Education:
    """One school in a professional profile."""

    school: str
    degree: str = ""
    start_year: int | None = None
    end_year: int | None = None


@dataclass
class ProfessionalProfile:
    """The structured profile of an account on (or from) a professional instance. Its links
    are the account's profile fields whose value is a link."""

    account_id: str
    headline: str = ""
    position: str = ""
    organization: str = ""
    location: str = ""
    skills: list[str] = field(default_factory=list)
    experience: list[Experience] = field(default_factory=list)
    education: list[Education] = field(default_factory=list)
    updated_at: float = 0.0

    @property
    def empty(self) -> bool:
        return not (self.headline or self.position or self.organization or self.location
                    or self.skills or self.experience or self.education)


@dataclass
class User:
    account_id: str
    email: str
    password_hash: str
    private_key_pem: str
    admin: bool = False
    approved: bool = True
    default_visibility: str = "public"
    created_at: float = 0.0
    reason: str = ""  # why they asked to join (registrations needing approval)


@dataclass
class Follow:
    id: str
    follower_id: str
    target_id: str
    state: str  # pending | accepted
    uri: str
    note: str = ""
    created_at: float = 0.0
    notify: bool = False

    @property
    def accepted(self) -> bool:
        return self.state == "accepted"


@dataclass
class Block:
    id: str
    account_id: str
    target_id: str
    uri: str
    created_at: float = 0.0


@dataclass
class Status:
    id: str
    uri: str
    account_id: str
    local: bool
    visibility: str  # public | unlisted | private | direct
    published: float
    url: str | None = None
    object_type: str = "Note"
    in_reply_to_uri: str | None = None
    in_reply_to_id: str | None = None
    in_reply_to_account_id: str | None = None
    reblog_of_id: str | None = None
    content: str = ""
    source: str | None = None
    summary: str = ""
    sensitive: bool = False
    language: str | None = None
    conversation: str | None = None
    edited_at: float | None = None
    attachments: list[dict] = field(default_factory=list)
    created_at: float = 0.0
    # Filled by the repository on read.
    mention_ids: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    # For a boost loaded with the post it boosts (Statuses.get_many(..., boosted=True)): that post.
    boosted: Status | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Relationship:
    """What one account is to another, as that one sees it."""

    following: bool = False
    requested: bool = False  # a follow request waiting for approval
    notifying: bool = False
    followed_by: bool = False
    requested_by: bool = False
    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    muting_notifications: bool = False
    domain_blocking: bool = False
    endorsed: bool = False
    note: str = ""


@dataclass
class MediaAttachment:
    """One uploaded file with its thumbnail (file names are relative to the media dir)."""

    id: str
    account_id: str
    content_type: str
    file_name: str
    size: int
    created_at: float
    kind: str = "image"
    status_id: str | None = None
    thumb_name: str | None = None
    thumb_content_type: str | None = None
    width: int | None = None
    height: int | None = None
    thumb_width: int | None = None
    thumb_height: int | None = None
    description: str | None = None
    focus_x: float | None = None
    focus_y: float | None = None
    blurhash: str | None = None

    @property
    def attached(self) -> bool:
        return self.status_id is not None

    @property
    def focus(self) -> tuple[float, float] | None:
        if self.focus_x is None or self.focus_y is None:
            return None
        return self.focus_x, self.focus_y


@dataclass
class Favourite:
    id: str
    account_id: str
    status_id: str
    uri: str
    created_at: float = 0.0


@dataclass
class Activity:
    """An activity published by a local actor, stored so its id dereferences."""

    id: str
    uri: str
    account_id: str
    type: str
    visibility: str
    body: dict
    object_uri: str | None = None
    status_id: str | None = None
    created_at: float = 0.0


@dataclass
class Job:
    id: str
    queue: str
    payload: dict
    attempts: int
    host: str | None = None
    dedup_key: str | None = None
    created_at: float = 0.0


@dataclass
class Host:
    domain: str
    failures: int = 0
    first_failure_at: float | None = None
    last_failure_at: float | None = None
    last_success_at: float | None = None
    unavailable: bool = False
    signature_scheme: str | None = None


@dataclass
class Notification:
    id: str
    account_id: str
    type: str
    from_account_id: str
    status_id: str | None = None
    created_at: float = 0.0


@dataclass
class App:
    """An OAuth client application."""

    id: str
    name: str
    redirect_uris: str
    scopes: str
    client_id: str
    client_secret: str
    website: str | None = None
    created_at: float = 0.0

    @property
    def redirect_list(self) -> list[str]:
        return [u for u in self.redirect_uris.split() if u]


@dataclass
class Token:
    id: str
    account_id: str | None
    scopes: str
    app_id: str | None = None
    created_at: float = 0.0

    @property
    def scope_set(self) -> set[str]:
        return set(self.scopes.split())


@dataclass
class AuthCode:
    code_hash: str
    app_id: str
    account_id: str
    redirect_uri: str
    scopes: str
    expires_at: float
    code_challenge: str | None = None
    code_challenge_method: str | None = None


@dataclass
class Page:
    """One page of a collection, newest first."""

    items: list
    total: int | None = None
    next_max_id: str | None = None


@dataclass(frozen=True)
class InstanceSettings:
    """What admins may change at run time over the configuration (fedi.services.instance_settings)."""

    name: str
    description: str
    rules: tuple[str, ...]
    registrations: str  # open | approval | invite | closed
    allowlist_mode: bool
    kind: str  # fixed by the configuration
    base_url: str  # fixed by the configuration
    # How new accounts start out: "kind" (as the instance kind has it), or a value of its own.
    approve_followers: str = "kind"  # kind | yes | no
    default_visibility: str = "kind"  # kind | public | unlisted | private | local
    discoverable: str = "kind"  # kind | yes | no

    def new_accounts(self) -> tuple[bool, bool, str]:
        """(locked, discoverable, default visibility) of a new account; "kind" follows the
        instance kind."""
        professional = self.kind == "professional"
        locked = professional if self.approve_followers == "kind" else self.approve_followers == "yes"
        found = (not professional) if self.discoverable == "kind" else self.discoverable == "yes"
        visibility = ("private" if professional else "public") if self.default_visibility == "kind" \
            else self.default_visibility
        return locked, found, visibility

    def numbered_rules(self) -> list[tuple[str, str]]:
        """(id, text) of each rule: ids are their positions, from "1"."""
        return [(str(n), text) for n, text in enumerate(self.rules, 1)]


@dataclass
class PageFacts:
    """What a page of posts shows besides the posts and their records, read in one statement:
    counts, the reader's relation to each post, which posts carry a poll (and the reader's
    votes in them), the version and counters of the accounts the page shows, and the blocks
    and follows that decide which posts the reader may see."""

    counts: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # boosts, favourites, replies
    flags: dict[str, set[str]] = field(default_factory=dict)  # favourited, reblogged, ... -> post ids
    with_poll: set[str] = field(default_factory=set)
    votes: dict[str, list[int]] = field(default_factory=dict)  # the reader's choices by post
    versions: dict[str, int] = field(default_factory=dict)  # account id -> version, for those that exist
    stats: dict[str, tuple] = field(default_factory=dict)  # account id -> (statuses, followers, following, last)
    blocked: set[str] = field(default_factory=set)  # authors blocking the reader or blocked by it
    following: set[str] = field(default_factory=set)  # candidates the reader follows
