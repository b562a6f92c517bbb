-- In-app notifications: a run waits for you, or yours was decided or ended.

CREATE TABLE notifications (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    run_id      uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    -- The event's key within its run (e.g. "waiting/0", "ended"): an
    -- activity retried after a crash inserts nothing twice.
    event       text NOT NULL,
    title       text NOT NULL,
    body        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz,
    UNIQUE (user_id, run_id, event)
);

CREATE INDEX notifications_unread ON notifications (user_id, id DESC) WHERE read_at IS NULL;
CREATE INDEX notifications_user ON notifications (user_id, id DESC);

---- create above / drop below ----

DROP TABLE notifications;
