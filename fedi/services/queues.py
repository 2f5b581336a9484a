"""The names of the durable job queues, in one place (the jobs table's `queue` column).

Modules that fill a queue and the one that works it both name it from here, so that a
module can ask about another's jobs without importing it."""

INBOX = "inbox"  # accepted inbound activities (fedi.services.inbound)
DELIVER = "deliver"  # outgoing deliveries, one per inbox (fedi.federation.delivery)
SCHEDULED = "scheduled"  # scheduled posts (fedi.services.scheduled)
PUSH = "push"  # Web Push alerts (fedi.federation.push_delivery)
VERIFY_LINKS = "verify_links"  # profile link checks (fedi.services.link_verification)
POLL_UPDATE = "poll_update"  # debounced Update(Question) of local polls (fedi.services.poll_lifecycle)
POLL_END = "poll_end"  # the end of local polls (fedi.services.poll_lifecycle)
