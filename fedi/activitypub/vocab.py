"""ActivityStreams vocabulary constants shared by every layer."""

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# Forms of the public collection that peers send.
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})

AP_CONTENT_TYPE = "application/activity+json"
LD_CONTENT_TYPE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
# What we send when fetching ActivityPub documents.
AP_ACCEPT = f"{AP_CONTENT_TYPE}, {LD_CONTENT_TYPE}"

# Extra terms Mastodon-compatible peers expect in the actor/object context.
EXTENSION_CONTEXT = {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "toot": "http://joinmastodon.org/ns#",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
    "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
}

NOTE_TYPES = frozenset({"Note", "Article", "Page", "Question"})
ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})


def is_public(value) -> bool:
    return isinstance(value, str) and value in PUBLIC_ALIASES
