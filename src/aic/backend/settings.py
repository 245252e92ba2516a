"""Backend settings: where it listens, which adapters it uses, how it reaches ai."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator, model_validator

from aic.settings import CommonSettings, rate_limit_text

__all__ = ["BackendSettings"]

_DATABASE_SCHEMES = ("sqlite://", "postgresql://", "postgres://")
# The five portals on this machine, by address and by name.
_PORTAL_ORIGINS = ",".join(
    f"http://{host}:{port}"
    for host in ("127.0.0.1", "localhost")
    for port in (3000, 3001, 3002, 3003, 3005)
)


class BackendSettings(CommonSettings):
    """Settings of the backend service (:3100)."""

    backend_host: str = Field(default="127.0.0.1", description="Backend listen address.")
    backend_port: int = Field(default=3100, ge=0, le=65535, description="Backend listen port.")
    database_url: str | None = Field(
        default=None,
        description="Event store + read models: `sqlite:///path` or `postgresql://...`; "
        "unset: `backend.db` in the data folder.",
    )
    ai_url: str = Field(
        default="http://127.0.0.1:8000", description="Where the backend's gateway finds ai."
    )
    service_api_key: str | None = Field(
        default=None,
        description="Key the backend sends to ai; unset: the key generated into the data folder.",
    )
    webhook_urls: str | None = Field(
        default=None,
        description="Comma-separated URLs that receive signed POSTs of selected events.",
    )
    webhook_secret: str | None = Field(
        default=None,
        description="HMAC key of the webhook signatures; unset: generated into the data folder.",
    )
    webhook_events: str = Field(
        default="NotificationSent,LeadQualified,LeadAssigned,LeadConverted,ContentPublished",
        description="Comma-separated event types sent to the webhooks (`*`: all).",
    )
    qualify_threshold: float = Field(
        default=70.0, ge=0, le=100, description="A score at or above this qualifies a lead."
    )
    nurture_threshold: float = Field(
        default=40.0, ge=0, le=100, description="Below this a lead is disqualified by routing."
    )
    realtime_heartbeat_seconds: float = Field(
        default=15.0,
        gt=0,
        le=300,
        description="An SSE stream or WebSocket idle this long gets a heartbeat (keeps proxies "
        "from closing it and lets clients notice a dead connection).",
    )
    realtime_recheck_seconds: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description="An open SSE stream or WebSocket re-checks its credentials this often (and "
        "before delivering events when the last check is older): signing out everywhere, a "
        "role change, a deactivation or a revoked key ends it within this time.",
    )
    realtime_queue_size: int = Field(
        default=1000,
        ge=1,
        le=1_000_000,
        description="Events a realtime subscriber may have waiting; one further behind is "
        "dropped as too slow and resumes with Last-Event-ID (or `after`).",
    )
    realtime_max_subscribers: int = Field(
        default=10_000,
        ge=1,
        le=1_000_000,
        description="Realtime subscribers one backend process serves; more get 503 (SSE) or "
        "close code 1013 (WebSocket).",
    )
    realtime_poll_seconds: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="Longest wait of the realtime hub between reads of the event store; a "
        "commit here, or with Redis one on any replica, wakes it at once.",
    )
    health_timeout_seconds: float = Field(
        default=2.0, gt=0, le=30, description="Time limit of each readiness probe."
    )
    event_batch_size: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="Events a consumer (a projection, the sagas, the webhook queue) reads and "
        "handles per batch.",
    )
    event_block_ms: int = Field(
        default=1000,
        ge=1,
        le=60_000,
        description="Longest a consumer's read waits for new events before it reads again.",
    )
    saga_yield_backlog: int = Field(
        default=5,
        ge=0,
        le=1_000_000,
        description="With Redis Streams: while more events than this wait for the projections, "
        "a saga waits for them before it runs and the saga consumer before its next read (at "
        "most a second each), so a burst of sagas does not hold the read models back; 0: sagas "
        "never wait.",
    )
    event_claim_idle_ms: int = Field(
        default=30_000,
        ge=100,
        le=86_400_000,
        description="An event delivered to a consumer and not acknowledged for this long goes "
        "to another consumer of its group; keep it above the longest a batch takes.",
    )
    event_max_deliveries: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="Deliveries of an event to a group before it goes to the group's dead "
        "letters instead.",
    )
    event_dead_letters_kept: int = Field(
        default=10_000,
        ge=10,
        le=10_000_000,
        description="Dead letters kept per consumer group (the oldest go first).",
    )
    event_stream_maxlen: int = Field(
        default=1_000_000,
        ge=1000,
        le=1_000_000_000,
        description="Events the Redis stream holds at most: when the slowest consumer group is "
        "this far behind, the relay waits (the events wait in the event store).",
    )
    event_stream_trim_every: int = Field(
        default=1000,
        ge=1,
        le=1_000_000,
        description="The Redis stream drops what every group has acknowledged after this many "
        "published events.",
    )
    event_buffer_size: int = Field(
        default=10_000,
        ge=100,
        le=10_000_000,
        description="Events the in-process transport keeps (unread or unacknowledged by some "
        "group) when Redis is not configured; when full, the relay waits.",
    )
    event_consumer_ttl_ms: int = Field(
        default=10_000,
        ge=1000,
        le=300_000,
        description="A consumer renews its liveness in Redis at a third of this; one silent this "
        "long counts as gone and its unacknowledged events go to the others at once.",
    )
    relay_batch_size: int = Field(
        default=500,
        ge=1,
        le=10_000,
        description="Events the outbox relay reads from the event store and publishes at once.",
    )
    lease_ttl_seconds: float = Field(
        default=10.0,
        ge=1,
        le=300,
        description="A Redis lease (outbox relay, saga timer, schedulers) not renewed for this "
        "long is free for another replica to take.",
    )
    lease_renew_seconds: float = Field(
        default=3.0,
        ge=0.1,
        le=150,
        description="How often a lease holder renews its lease and others try to take it; at "
        "most half of `AIC_LEASE_TTL_SECONDS` (a third is advised).",
    )
    background_loops: str = Field(
        default="all",
        description="Background work this API process runs besides HTTP: `all`, `none`, or "
        "comma-separated loop names or prefixes (`outbox-relay,projections`); the rest then "
        "runs in `aic worker` processes.",
    )
    rate_limit_public: str = Field(
        default="60/minute",
        description="Requests per client address to routes open to anonymous callers; "
        "several limits join with `;` (`10/second;60/minute`).",
    )
    rate_limit_authenticated: str = Field(
        default="600/minute", description="Requests per signed-in account or per service key."
    )
    rate_limit_failed_credentials: str = Field(
        default="10/minute",
        description="Wrong bearer tokens or service keys per client address before that "
        "address is refused (429) for the rest of the window, even with right ones "
        "(brute-force guard).",
    )
    rate_limit_login: str = Field(
        default="5/minute;20/hour",
        description="Sign-in attempts per client address and account email (brute-force guard).",
    )
    cors_origins: str = Field(
        default=_PORTAL_ORIGINS,
        description="Comma-separated browser origins (`scheme://host:port`) allowed to call the "
        "API with credentials; default: the five portals on 127.0.0.1 and localhost.",
    )
    jwt_secret: str | None = Field(
        default=None,
        min_length=32,
        description="Signing key of user access tokens (HS256, at least 32 characters; every "
        "backend replica needs the same one); unset: generated into the data folder.",
    )
    jwt_issuer: str = Field(
        default="aic-backend", min_length=1, description="`iss` of the access tokens issued."
    )
    jwt_audience: str = Field(
        default="aic", min_length=1, description="`aud` the access tokens are issued for."
    )
    jwt_ttl_seconds: int = Field(
        default=900, ge=30, le=86_400, description="Lifetime of an access token (JWT)."
    )
    refresh_ttl_seconds: int = Field(
        default=14 * 86_400,
        ge=60,
        description="Lifetime of a refresh token or portal session cookie from its issue "
        "(refreshing issues a new one).",
    )
    session_max_age_seconds: int = Field(
        default=30 * 86_400,
        ge=60,
        description="A session ends this long after sign-in, however often it is refreshed.",
    )
    invitation_ttl_seconds: int = Field(
        default=7 * 86_400, ge=60, description="How long a staff invitation can be accepted."
    )
    cookie_secure: bool | None = Field(
        default=None,
        description="Mark the session cookies `Secure` (HTTPS only); unset: when the backend "
        "serves TLS itself (set `true` behind a TLS-terminating proxy).",
    )

    @model_validator(mode="after")
    def _lease_renewed_in_time(self) -> BackendSettings:
        if self.lease_renew_seconds * 2 > self.lease_ttl_seconds:
            raise ValueError(
                "AIC_LEASE_RENEW_SECONDS must be at most half of AIC_LEASE_TTL_SECONDS, or a "
                "holder loses its lease between two renewals"
            )
        return self

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(_DATABASE_SCHEMES):
            raise ValueError("must start with sqlite://, postgresql:// or postgres://")
        return value

    @field_validator(
        "rate_limit_public",
        "rate_limit_authenticated",
        "rate_limit_failed_credentials",
        "rate_limit_login",
    )
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        return rate_limit_text(value)

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        origins = [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        for origin in origins:
            scheme, _, rest = origin.partition("://")
            if origin == "*" or scheme not in ("http", "https") or not rest or "/" in rest:
                raise ValueError(
                    f"{origin!r} is not an origin: write `https://host[:port]` "
                    "(no `*`, since credentials are allowed; no path)"
                )
        return ",".join(origins)

    @field_validator("webhook_urls")
    @classmethod
    def _webhook_urls(cls, value: str | None) -> str | None:
        for url in (value or "").split(","):
            if url.strip() and not url.strip().startswith(("http://", "https://")):
                raise ValueError("each URL must start with http:// or https://")
        return value or None

    @field_validator("ai_url")
    @classmethod
    def _ai_url_scheme(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @property
    def webhook_url_list(self) -> list[str]:
        return [u.strip() for u in (self.webhook_urls or "").split(",") if u.strip()]

    @property
    def rate_limit_policies(self) -> dict[str, str]:
        """Rate-limit categories of the backend and their limits."""
        return {
            "public": self.rate_limit_public,
            "authenticated": self.rate_limit_authenticated,
            "failed_credentials": self.rate_limit_failed_credentials,
            "login": self.rate_limit_login,
        }

    @property
    def cors_origin_list(self) -> list[str]:
        return [o for o in self.cors_origins.split(",") if o]

    @property
    def loop_selection(self) -> bool | list[str]:
        """``background_loops`` as ``bootstrap(run_loops=...)`` takes it."""
        value = self.background_loops.strip()
        if value == "all":
            return True
        if value == "none":
            return False
        names = [name.strip() for name in value.split(",") if name.strip()]
        # Before 0.2 each projection was a loop of its own, `projection:<name>`.
        return ["projections" if name.startswith("projection:") else name for name in names]

    @property
    def resolved_database_url(self) -> str:
        """The configured database URL, or the embedded SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'backend.db').as_posix()}"

    @property
    def sqlite_path(self) -> Path | None:
        url = self.resolved_database_url
        return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite://") else None
