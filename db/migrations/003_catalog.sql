-- The software catalog: blueprints (entity types with a schema) and entities.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE blueprints (
    identifier  text PRIMARY KEY,
    -- The blueprint in Port's JSON shape (title, icon, schema, relations...).
    definition  jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE entities (
    blueprint   text NOT NULL REFERENCES blueprints (identifier) ON DELETE RESTRICT,
    identifier  text NOT NULL,
    title       text NOT NULL DEFAULT '',
    icon        text NOT NULL DEFAULT '',
    team        text REFERENCES teams (identifier) ON DELETE SET NULL,
    properties  jsonb NOT NULL DEFAULT '{}',
    -- relation name -> target identifier, or a list of them for "many" relations
    relations   jsonb NOT NULL DEFAULT '{}',
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blueprint, identifier)
);
-- Property and relation equality filters use containment (@>).
CREATE INDEX entities_properties ON entities USING gin (properties jsonb_path_ops);
CREATE INDEX entities_relations ON entities USING gin (relations jsonb_path_ops);
-- Text search over identifier and title (ILIKE '%q%').
CREATE INDEX entities_search ON entities USING gin ((identifier || ' ' || title) gin_trgm_ops);
CREATE INDEX entities_team ON entities (blueprint, team, identifier);

---- create above / drop below ----

DROP TABLE entities;
DROP TABLE blueprints;
DROP EXTENSION IF EXISTS pg_trgm;
