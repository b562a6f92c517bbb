-- The entities each run created, changed or deleted.

CREATE TABLE run_entities (
    run_id      uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    blueprint   text NOT NULL,
    identifier  text NOT NULL,
    operation   text NOT NULL CHECK (operation IN ('UPSERT', 'DELETE')),
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, blueprint, identifier, operation)
);

---- create above / drop below ----

DROP TABLE run_entities;
