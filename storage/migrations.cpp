#include "storage/migrations.hpp"

namespace tend::storage {
namespace {

// All times are INTEGER seconds since the Unix epoch, UTC.
constexpr Migration kMigrations[] = {
    {1, "people, roles, check-ins, settings, audit, jobs, outbox", R"sql(
CREATE TABLE roles (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
  boundaries  TEXT NOT NULL DEFAULT '',
  updated_at  INTEGER NOT NULL
);

CREATE TABLE people (
  id                INTEGER PRIMARY KEY,
  platform          TEXT NOT NULL,
  platform_user_id  TEXT NOT NULL,
  display_name      TEXT NOT NULL,
  zone              TEXT,
  kind              TEXT NOT NULL DEFAULT 'volunteer' CHECK (kind IN ('volunteer', 'staff', 'admin')),
  supervisor_id     INTEGER REFERENCES people(id) ON DELETE SET NULL,
  role_id           INTEGER REFERENCES roles(id) ON DELETE SET NULL,
  on_break_until    INTEGER,
  break_note        TEXT,
  created_at        INTEGER NOT NULL,
  UNIQUE (platform, platform_user_id)
);
CREATE INDEX people_supervisor ON people(supervisor_id);
CREATE INDEX people_display_name ON people(display_name COLLATE NOCASE);

CREATE TABLE checkins (
  id         INTEGER PRIMARY KEY,
  person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  score      INTEGER CHECK (score BETWEEN 1 AND 5),  -- NULL: a call for support without a score
  note       TEXT,
  private    INTEGER NOT NULL DEFAULT 0,
  support    INTEGER NOT NULL DEFAULT 0,
  at         INTEGER NOT NULL
);
CREATE INDEX checkins_person_at ON checkins(person_id, at);

-- person_id 0 holds the global settings; otherwise the person's own.
CREATE TABLE settings (
  person_id   INTEGER NOT NULL,
  key         TEXT NOT NULL,
  value       TEXT NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (person_id, key)
);

CREATE TABLE audit (
  id          INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  actor_id    INTEGER,
  action      TEXT NOT NULL,
  subject_id  INTEGER,
  detail      TEXT,
  old_value   TEXT,
  new_value   TEXT
);
CREATE INDEX audit_at ON audit(at);

CREATE TABLE jobs (
  id               INTEGER PRIMARY KEY,
  kind             TEXT NOT NULL,
  due_at           INTEGER NOT NULL,
  payload          TEXT NOT NULL DEFAULT '{}',
  idempotency_key  TEXT UNIQUE,
  created_at       INTEGER NOT NULL
);
CREATE INDEX jobs_due_at ON jobs(due_at);

-- Messages Tend sends on its own, written in the same transaction as what caused them.
CREATE TABLE outbox (
  id                 INTEGER PRIMARY KEY,
  recipient_kind     TEXT NOT NULL CHECK (recipient_kind IN ('person', 'channel')),
  recipient          TEXT NOT NULL,
  person_id          INTEGER REFERENCES people(id) ON DELETE CASCADE,
  body               TEXT NOT NULL,
  idempotency_key    TEXT UNIQUE,
  status             TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
  attempts           INTEGER NOT NULL DEFAULT 0,
  next_attempt_at    INTEGER NOT NULL,
  created_at         INTEGER NOT NULL,
  sent_at            INTEGER,
  last_error         TEXT
);
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE status = 'pending';

-- Platform delivery ids already handled, with the reply given, so a redelivery is answered
-- the same way without running the handler again.
CREATE TABLE inbound (
  delivery_id  TEXT PRIMARY KEY,
  reply        TEXT NOT NULL,
  at           INTEGER NOT NULL
);
CREATE INDEX inbound_at ON inbound(at);

CREATE TABLE meta (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
);
)sql"},
    {2, "stories and nudges", R"sql(
-- A time a volunteer shared (or will share) their story in public.
CREATE TABLE stories (
  id            INTEGER PRIMARY KEY,
  volunteer_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  logged_by     INTEGER REFERENCES people(id) ON DELETE SET NULL,
  at            INTEGER NOT NULL,
  what          TEXT NOT NULL,
  cancelled     INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL
);
CREATE INDEX stories_volunteer ON stories(volunteer_id, at);

-- A prompt to a staff member to reach out to a volunteer, until someone says it is done.
CREATE TABLE nudges (
  id              INTEGER PRIMARY KEY,
  volunteer_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  owner_id        INTEGER REFERENCES people(id) ON DELETE SET NULL,
  reason          TEXT NOT NULL,
  status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'escalated')),
  created_at      INTEGER NOT NULL,
  done_at         INTEGER,
  done_by         INTEGER REFERENCES people(id) ON DELETE SET NULL
);
CREATE INDEX nudges_volunteer ON nudges(volunteer_id, done_at);
)sql"},
    {3, "supervision slots and bookings", R"sql(
CREATE TABLE supervision_slots (
  id          INTEGER PRIMARY KEY,
  staff_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  starts_at   INTEGER NOT NULL,
  minutes     INTEGER NOT NULL CHECK (minutes BETWEEN 15 AND 240),
  withdrawn   INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL
);
CREATE INDEX supervision_slots_staff ON supervision_slots(staff_id, starts_at);

CREATE TABLE supervision_bookings (
  id            INTEGER PRIMARY KEY,
  slot_id       INTEGER NOT NULL REFERENCES supervision_slots(id) ON DELETE CASCADE,
  volunteer_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  status        TEXT NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled', 'done')),
  booked_at     INTEGER NOT NULL,
  done_at       INTEGER,
  note          TEXT
);
-- A slot is never booked twice, also when two people press at the same moment.
CREATE UNIQUE INDEX supervision_one_booking_per_slot ON supervision_bookings(slot_id) WHERE status != 'cancelled';
CREATE INDEX supervision_bookings_volunteer ON supervision_bookings(volunteer_id, status);

-- The role a fresh workspace starts with, written from the peer-volunteering guidance.
INSERT INTO roles (name, boundaries, updated_at) VALUES ('peer supporter', '*Your role is peer support.* You offer support as someone who has been there, from your own experience. You are not a counsellor, doctor, key worker or sponsor: you don''t give medical, legal or money advice, lend or borrow money, or meet people outside the times and places agreed with your coordinator.
*Confidentiality and privacy.* What people tell you stays within the team. The exception is risk: if someone may be harmed or harm others, you must tell your supervisor the same day, and you can tell the person that you will. Never share people''s details or stories on social media or with friends. Keep your own phone number and address to yourself.
*When and how to refer.* If someone needs more than peer support (health, housing, benefits, legal help, safeguarding), tell them who can help, and tell your supervisor. You don''t have to fix it alone, and you shouldn''t try.
*In a crisis.* If someone is in immediate danger, call 999 (or your local emergency number) first. Stay with them if it is safe for you, then tell your supervisor or the duty worker straight away.
*Starting and ending support.* Agree at the start what you can offer and for how long. Endings are planned and talked about, not sudden; your coordinator will help you end well.
*Your own story.* It is always fine to decline to share your story, or parts of it, with anyone, at any time, even if you have shared it before. Sharing in public can bring up strong feelings hours or days later: talk to your supervisor before and after.
*Looking after yourself.* It is okay to say no. Ask for support early, use `/checkin` to say how you are, and take a break (`/break`) when you need one.', 0);
)sql"},
    {4, "notes by age, for the retention pass", R"sql(
-- privacy.note_retention clears notes older than a cutoff every day. Partial indexes on the time of
-- rows that still hold a note: the pass reads only what it clears, and cleared rows leave the index.
CREATE INDEX checkins_noted_at ON checkins(at) WHERE note IS NOT NULL;
CREATE INDEX supervision_bookings_noted_done_at ON supervision_bookings(done_at) WHERE note IS NOT NULL;
)sql"},
    {5, "jobs and outbox rows know whom they are about; breaks hold instead of moving jobs", R"sql(
ALTER TABLE jobs ADD COLUMN subject_person_id INTEGER;
ALTER TABLE jobs ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET subject_person_id = CASE
  WHEN kind IN ('checkin.prompt', 'checkin.overdue', 'supervision.gap', 'boundaries.reminder', 'break.ends')
    THEN json_extract(payload, '$.person')
  WHEN kind IN ('story.followup', 'story.volunteer', 'story.prepare', 'story.reminder')
    THEN (SELECT volunteer_id FROM stories WHERE id = json_extract(jobs.payload, '$.story'))
  WHEN kind IN ('nudge.repeat', 'nudge.escalate')
    THEN (SELECT volunteer_id FROM nudges WHERE id = json_extract(jobs.payload, '$.nudge'))
  WHEN kind = 'supervision.reminder'
    THEN (SELECT volunteer_id FROM supervision_bookings WHERE id = json_extract(jobs.payload, '$.booking'))
END;
-- Before this version an open-ended break pushed its person's jobs to the year 9999; they are
-- held now, and given back when the break ends.
UPDATE jobs SET held = 1 WHERE due_at >= 253370764800 AND subject_person_id IS NOT NULL;
DROP INDEX jobs_due_at;
CREATE INDEX jobs_due_at ON jobs(due_at) WHERE held = 0;
CREATE INDEX jobs_subject ON jobs(subject_person_id, kind);

-- The outbox gains the person a message is about, its kind and the moment it speaks of, so the
-- delivery policy can decide again just before it goes; and rows may be held for a break,
-- merged into one message when it ends, or dropped when their purpose has passed.
CREATE TABLE outbox_v4 (
  id                 INTEGER PRIMARY KEY,
  recipient_kind     TEXT NOT NULL CHECK (recipient_kind IN ('person', 'channel')),
  recipient          TEXT NOT NULL,
  person_id          INTEGER REFERENCES people(id) ON DELETE CASCADE,
  body               TEXT NOT NULL,
  idempotency_key    TEXT UNIQUE,
  status             TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sent', 'dead', 'held', 'merged', 'dropped')),
  attempts           INTEGER NOT NULL DEFAULT 0,
  next_attempt_at    INTEGER NOT NULL,
  created_at         INTEGER NOT NULL,
  sent_at            INTEGER,
  last_error         TEXT,
  subject_person_id  INTEGER REFERENCES people(id) ON DELETE CASCADE,
  message_kind       TEXT NOT NULL DEFAULT 'notice',
  about_at           INTEGER
);
INSERT INTO outbox_v4 (id, recipient_kind, recipient, person_id, body, idempotency_key, status, attempts,
                       next_attempt_at, created_at, sent_at, last_error)
  SELECT id, recipient_kind, recipient, person_id, body, idempotency_key, status, attempts, next_attempt_at,
         created_at, sent_at, last_error FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v4 RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_held ON outbox(subject_person_id) WHERE status = 'held';
)sql"},
    {6, "buddies and debriefs", R"sql(
-- Two volunteers who look out for each other. A pair exists (active) only once both said yes; each
-- chooses what the other is told of (a break, a call for support), nothing by default. a_id is
-- always the smaller id, so one live pairing of two people is one row (a unique index).
CREATE TABLE buddies (
  id                INTEGER PRIMARY KEY,
  a_id              INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  b_id              INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  proposed_by       INTEGER REFERENCES people(id) ON DELETE SET NULL,
  a_accepted        INTEGER NOT NULL DEFAULT 0,
  b_accepted        INTEGER NOT NULL DEFAULT 0,
  a_shares_breaks   INTEGER NOT NULL DEFAULT 0,
  a_shares_support  INTEGER NOT NULL DEFAULT 0,
  b_shares_breaks   INTEGER NOT NULL DEFAULT 0,
  b_shares_support  INTEGER NOT NULL DEFAULT 0,
  status            TEXT NOT NULL DEFAULT 'proposed'
                    CHECK (status IN ('proposed', 'active', 'declined', 'ended')),
  created_at        INTEGER NOT NULL,
  started_at        INTEGER,
  ended_at          INTEGER,
  CHECK (a_id < b_id)
);
CREATE UNIQUE INDEX buddies_one_live_pairing ON buddies(a_id, b_id) WHERE status IN ('proposed', 'active');
CREATE INDEX buddies_a ON buddies(a_id, status);
CREATE INDEX buddies_b ON buddies(b_id, status);

-- How a peer-support session went, from the volunteer who ran it. stirred: did it stir up their own
-- experience (NULL: not answered yet); talk: would they like to talk to someone (NULL: not answered).
CREATE TABLE debriefs (
  id            INTEGER PRIMARY KEY,
  person_id     INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  score         INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
  stirred       TEXT CHECK (stirred IN ('yes', 'a little', 'no')),
  talk          INTEGER CHECK (talk IN (0, 1)),
  note          TEXT,
  private       INTEGER NOT NULL DEFAULT 0,
  escalated_at  INTEGER,
  at            INTEGER NOT NULL
);
CREATE INDEX debriefs_person_at ON debriefs(person_id, at);
CREATE INDEX debriefs_noted_at ON debriefs(at) WHERE note IS NOT NULL;
)sql"},
    {7, "a reply is stored once per delivery, whatever number of ids the platform gave it", R"sql(
-- Slack gives a delivery two ids (envelope_id, and trigger_id or event_id); the reply was stored
-- under each. Now it is stored once, and each id points at it.
CREATE TABLE inbound_replies (
  id     INTEGER PRIMARY KEY,
  reply  TEXT NOT NULL,
  at     INTEGER NOT NULL
);
CREATE TABLE inbound_ids (
  delivery_id  TEXT PRIMARY KEY,
  reply_id     INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO inbound_replies (id, reply, at) SELECT rowid, reply, at FROM inbound;
INSERT INTO inbound_ids (delivery_id, reply_id) SELECT delivery_id, rowid FROM inbound;
DROP TABLE inbound;
ALTER TABLE inbound_replies RENAME TO inbound;
CREATE INDEX inbound_at ON inbound(at);
)sql"},
    {8, "a person's own time zone, and whether they were told Tend uses the default", R"sql(
-- zone_chosen: the zone was set with /tend timezone (by the person or an admin); a platform's
-- profile never replaces it. default_zone_told: Tend has said once that it uses timezone.default
-- for someone without a zone.
ALTER TABLE people ADD COLUMN zone_chosen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN default_zone_told INTEGER NOT NULL DEFAULT 0;
)sql"},
    {9, "indexes that keep a person's own commands as quick with 20,000 volunteers as with 25", R"sql(
-- Deleting a person checks every column that refers to them: without an index each check reads
-- its whole table (tend.forget read every outbox row, story, nudge and buddy pairing).
CREATE INDEX outbox_person ON outbox(person_id) WHERE person_id IS NOT NULL;
CREATE INDEX outbox_subject ON outbox(subject_person_id) WHERE subject_person_id IS NOT NULL;
CREATE INDEX stories_logged_by ON stories(logged_by) WHERE logged_by IS NOT NULL;
CREATE INDEX nudges_owner ON nudges(owner_id) WHERE owner_id IS NOT NULL;
CREATE INDEX nudges_done_by ON nudges(done_by) WHERE done_by IS NOT NULL;
CREATE INDEX buddies_proposed_by ON buddies(proposed_by) WHERE proposed_by IS NOT NULL;
-- /tend forget clears the audit rows about or by the person.
CREATE INDEX audit_subject ON audit(subject_id);
CREATE INDEX audit_actor ON audit(actor_id);
-- Lists of one kind of person in name order (the admins, a page of all volunteers): without it
-- finding the one admin among 20,000 people reads every name.
CREATE INDEX people_kind_name ON people(kind, display_name COLLATE NOCASE);
-- A staff member's booked sessions, found from their slots.
CREATE INDEX supervision_bookings_slot ON supervision_bookings(slot_id, status);
-- The daily pass forgets handled deliveries by their reply.
CREATE INDEX inbound_ids_reply ON inbound_ids(reply_id);
)sql"},
    {10, "pending jobs and messages counted as they change, so /metrics costs the same at any size", R"sql(
-- count(*) reads a whole index: 23 ms a scrape with a million jobs. Triggers keep the counts in
-- the same transaction as the change, so a rollback takes them back too.
CREATE TABLE tallies (
  name  TEXT PRIMARY KEY,
  n     INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO tallies (name, n) SELECT 'jobs', count(*) FROM jobs;
INSERT INTO tallies (name, n) SELECT 'outbox_pending', count(*) FROM outbox WHERE status = 'pending';
CREATE TRIGGER jobs_tally_insert AFTER INSERT ON jobs
BEGIN UPDATE tallies SET n = n + 1 WHERE name = 'jobs'; END;
CREATE TRIGGER jobs_tally_delete AFTER DELETE ON jobs
BEGIN UPDATE tallies SET n = n - 1 WHERE name = 'jobs'; END;
CREATE TRIGGER outbox_tally_insert AFTER INSERT ON outbox WHEN new.status = 'pending'
BEGIN UPDATE tallies SET n = n + 1 WHERE name = 'outbox_pending'; END;
CREATE TRIGGER outbox_tally_delete AFTER DELETE ON outbox WHEN old.status = 'pending'
BEGIN UPDATE tallies SET n = n - 1 WHERE name = 'outbox_pending'; END;
CREATE TRIGGER outbox_tally_update AFTER UPDATE OF status ON outbox
WHEN (old.status = 'pending') != (new.status = 'pending')
BEGIN UPDATE tallies SET n = n + (CASE WHEN new.status = 'pending' THEN 1 ELSE -1 END)
      WHERE name = 'outbox_pending'; END;
)sql"},
    {11, "a stored reply lists its delivery ids, and neither table keeps an index only the daily pass used",
     R"sql(
-- Every index is one more page written with every command: inbound_at and inbound_ids_reply were
-- two of the eight a /checkin wrote. Replies are appended in the order they are given, so the
-- daily pass reads the oldest from the table's start and stops at the first it keeps; each
-- lists its delivery ids, which the pass deletes by their key.
ALTER TABLE inbound ADD COLUMN delivery_ids TEXT NOT NULL DEFAULT '[]';
UPDATE inbound SET delivery_ids =
  (SELECT json_group_array(delivery_id) FROM inbound_ids WHERE reply_id = inbound.id);
DROP INDEX inbound_ids_reply;
DROP INDEX inbound_at;
)sql"},
    {12, "a stored reply knows whose data it shows, so /tend forget takes its copy back", R"sql(
-- A reply is kept a week to answer a redelivery, and it may hold notes, scores and names: those of
-- the person who asked, and of the volunteers a staff member's team view showed. Each reply lists
-- those people (the daily pass deletes them by key, as it does the delivery ids); inbound_people
-- finds a person's replies when they ask Tend to forget them. Replies stored before this version
-- name no one: they go with the daily pass, at most eight days after they were given.
ALTER TABLE inbound ADD COLUMN people TEXT NOT NULL DEFAULT '[]';
CREATE TABLE inbound_people (
  person_id  INTEGER NOT NULL,
  reply_id   INTEGER NOT NULL,
  PRIMARY KEY (person_id, reply_id)
) WITHOUT ROWID;
)sql"},
};

}  // namespace

std::span<const Migration> migrations() {
  return kMigrations;
}

}  // namespace tend::storage
