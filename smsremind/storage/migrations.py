"""Append-only schema migrations: never edit an entry, add a new one.

Times are UTC text ``YYYY-MM-DDTHH:MM:SSZ`` (see smsremind.clock).
"""

from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = [
    (
        "001_core",
        """
        CREATE TABLE appointments (
            id INTEGER PRIMARY KEY,
            practice TEXT NOT NULL,
            ext_id TEXT NOT NULL,              -- the source system's id, unique per practice
            start TEXT NOT NULL,
            patient TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL,               -- as imported; classified when planning
            doctor TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
            language TEXT,
            booked_at TEXT NOT NULL,           -- when it got its current start (SPEC §2.5)
            first_seen TEXT NOT NULL,
            changed_at TEXT NOT NULL,          -- last move/cancel/restore seen
            moved_at TEXT,
            cancelled_at TEXT,
            told_status TEXT,                  -- what the patient was last told (notices)
            told_start TEXT
        );
        -- A named index, not a table constraint, so a bulk import into an empty table
        -- can build it once at the end (see smsremind.sync).
        CREATE UNIQUE INDEX appointments_key ON appointments (practice, ext_id);
        CREATE INDEX appointments_by_start ON appointments (start);
        CREATE INDEX appointments_untold ON appointments (changed_at)
            WHERE told_status IS NOT status OR told_start IS NOT start;

        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            appointment INTEGER NOT NULL,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,                -- booked | moved | cancelled | restored | updated
            old_start TEXT,
            new_start TEXT,
            detail TEXT
        );
        CREATE INDEX events_by_appointment ON events (appointment);

        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,          -- idempotency key handed to the gateway
            kind TEXT NOT NULL,
            practice TEXT NOT NULL,
            phone TEXT NOT NULL,
            recipient TEXT NOT NULL,           -- E.164, or the raw input when invalid
            sender TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            parts INTEGER NOT NULL,
            encoding TEXT NOT NULL,
            send_at TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN
                ('sending', 'sent', 'failed', 'unknown', 'skipped', 'held', 'expired')),
            reason TEXT,
            gateway TEXT,
            gateway_id TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            sent_at TEXT,
            delivery TEXT,
            delivery_at TEXT,
            run INTEGER
        );
        CREATE INDEX messages_by_send_at ON messages (send_at);
        CREATE INDEX messages_open ON messages (state)
            WHERE state IN ('sending', 'unknown', 'failed', 'held');

        CREATE TABLE message_appointments (
            message INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
            appointment INTEGER NOT NULL,
            start TEXT NOT NULL,               -- the start the message was about
            kind TEXT NOT NULL,
            PRIMARY KEY (message, appointment)
        );
        -- One reminder per visit and start: the last line of defence against a double send.
        CREATE UNIQUE INDEX one_reminder_per_start
            ON message_appointments (appointment, start) WHERE kind = 'reminder';
        CREATE INDEX message_appointments_by_appointment ON message_appointments (appointment);

        CREATE TABLE optouts (
            phone TEXT PRIMARY KEY,
            added_at TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT ''
        );

        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            pid INTEGER NOT NULL,
            started_at TEXT NOT NULL,          -- real clock
            now TEXT NOT NULL,                 -- the run's notion of now (--now)
            finished_at TEXT,
            outcome TEXT NOT NULL DEFAULT 'running',
            sent INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            held INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            expired INTEGER NOT NULL DEFAULT 0,
            unknown INTEGER NOT NULL DEFAULT 0,
            error TEXT
        );

        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    ),
    (
        "002_templates",
        """
        -- A practice's own texts; a kind/language without a row uses the built-in default.
        CREATE TABLE templates (
            kind TEXT NOT NULL,
            language TEXT NOT NULL,
            text TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (kind, language)
        );
        """,
    ),
    (
        "003_quota_and_payments",
        """
        -- The quota is derived from this append-only ledger (SPEC §7): parts > 0 credit,
        -- parts < 0 debit. month = the calendar month (config zone) a row counts for.
        CREATE TABLE ledger (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            month TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('allowance', 'adjust', 'purchase', 'charge', 'refund')),
            pool TEXT NOT NULL CHECK (pool IN ('monthly', 'bought')),
            parts INTEGER NOT NULL,
            message INTEGER,
            payment INTEGER,
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX ledger_by_month ON ledger (month, pool);
        CREATE INDEX ledger_by_message ON ledger (message) WHERE message IS NOT NULL;
        -- One allowance per month and one credit per payment, whatever process runs.
        CREATE UNIQUE INDEX ledger_one_allowance ON ledger (month) WHERE kind = 'allowance';
        CREATE UNIQUE INDEX ledger_one_purchase ON ledger (payment) WHERE kind = 'purchase';

        CREATE TABLE payments (
            id INTEGER PRIMARY KEY,
            session_id TEXT NOT NULL UNIQUE,
            pack INTEGER NOT NULL,
            amount INTEGER NOT NULL,           -- lowest currency unit (grosze, haléře)
            price TEXT NOT NULL,               -- gross, as configured
            currency TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN
                ('new', 'pending', 'credited', 'expired', 'failed')),
            sandbox INTEGER NOT NULL,
            token TEXT,
            link TEXT,
            order_id INTEGER,
            error TEXT,
            invoice_number TEXT UNIQUE,
            invoice_mailed_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            credited_at TEXT
        );
        """,
    ),
    (
        "004_delivery_final",
        """
        -- Delivery reports stop being fetched once the gateway's status is final.
        ALTER TABLE messages ADD COLUMN delivery_final INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX messages_awaiting_delivery ON messages (sent_at)
            WHERE state = 'sent' AND delivery_final = 0 AND gateway_id IS NOT NULL;
        """,
    ),
    (
        "005_ledger_totals",
        """
        -- Running sums of the ledger per (month, pool, kind), kept by a trigger, so the balance
        -- a run checks before every message costs a few rows, not a scan of the month's charges.
        -- The ledger stays append-only; the triggers below refuse edits that would make the
        -- totals lie.
        CREATE TABLE ledger_totals (
            month TEXT NOT NULL,
            pool TEXT NOT NULL,
            kind TEXT NOT NULL,
            parts INTEGER NOT NULL,
            PRIMARY KEY (month, pool, kind)
        ) WITHOUT ROWID;
        INSERT INTO ledger_totals (month, pool, kind, parts)
            SELECT month, pool, kind, sum(parts) FROM ledger GROUP BY month, pool, kind;
        CREATE TRIGGER ledger_totals_add AFTER INSERT ON ledger BEGIN
            INSERT INTO ledger_totals (month, pool, kind, parts)
                VALUES (new.month, new.pool, new.kind, new.parts)
                ON CONFLICT (month, pool, kind) DO UPDATE SET parts = parts + excluded.parts;
        END;
        CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger BEGIN
            SELECT RAISE(ABORT, 'the quota ledger is append-only');
        END;
        CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger BEGIN
            SELECT RAISE(ABORT, 'the quota ledger is append-only');
        END;
        """,
    ),
    (
        "006_payments_late_and_invoice_claim",
        """
        -- A purchase marked expired is still asked about, at most hourly, for 30 days (a
        -- traditional bank transfer can arrive days later): checked_at is the last time P24 was
        -- asked.  invoice_claim names the process that mails the invoice; it is set in the
        -- transaction that credits the pack, so two processes settling one payment mail it once.
        ALTER TABLE payments ADD COLUMN checked_at TEXT;
        ALTER TABLE payments ADD COLUMN invoice_claim TEXT;
        ALTER TABLE payments ADD COLUMN invoice_claimed_at TEXT;
        """,
    ),
    (
        "007_replies",
        """
        -- Patients' answers to our messages (two-way SMS), each stored once: ``dedup`` is the
        -- gateway's id for the incoming SMS, else a digest of number + time + text.
        CREATE TABLE replies (
            id INTEGER PRIMARY KEY,
            gateway TEXT NOT NULL,
            dedup TEXT NOT NULL UNIQUE,
            phone TEXT NOT NULL,               -- E.164, or as received when not a number
            text TEXT NOT NULL,
            received_at TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            meaning TEXT NOT NULL CHECK (meaning IN ('confirm', 'cancel', 'stop', 'unrecognised')),
            message INTEGER,                   -- the message it answers (NULL: none in the window)
            practice TEXT,
            mailed_at TEXT,                    -- in the administrator's digest
            ack TEXT                           -- auto-answer: NULL, or the key of the message claimed for it
        );
        CREATE INDEX replies_by_received ON replies (received_at);
        CREATE INDEX replies_unmailed ON replies (id) WHERE mailed_at IS NULL;
        -- The appointments an answer covers: all of a grouped (family) reminder's.
        CREATE TABLE reply_appointments (
            reply INTEGER NOT NULL REFERENCES replies (id) ON DELETE CASCADE,
            appointment INTEGER NOT NULL,
            PRIMARY KEY (reply, appointment)
        );
        CREATE INDEX reply_appointments_by_appointment ON reply_appointments (appointment);
        CREATE INDEX messages_by_recipient ON messages (recipient, sent_at);
        -- Where an opt-out came from: 'manual' (optout add), 'reply' (the patient wrote STOP),
        -- or the gateway's own list.
        ALTER TABLE optouts ADD COLUMN source TEXT NOT NULL DEFAULT 'manual';
        """,
    ),
    (
        "008_notice_settled",
        """
        -- "told" is what the patient really knows: only a notice that went out changes it.
        -- A change decided without telling the patient (no notice wanted, or one that could
        -- not go out: the visit passed first, the number is unusable) records here the state
        -- and phone it was decided for, so it is decided once, and afresh when either changes.
        ALTER TABLE appointments ADD COLUMN settled_status TEXT;
        ALTER TABLE appointments ADD COLUMN settled_start TEXT;
        ALTER TABLE appointments ADD COLUMN settled_phone TEXT;
        DROP INDEX appointments_untold;
        CREATE INDEX appointments_untold ON appointments (changed_at)
            WHERE (told_status IS NOT status OR told_start IS NOT start)
            AND (settled_status IS NOT status OR settled_start IS NOT start OR settled_phone IS NOT phone);
        """,
    ),
    (
        "009_hot_path_indexes",
        """
        -- Queries every run makes, served by an index however long the history (issue 14;
        -- tests/storage/test_query_plans.py checks each plan).
        -- Delivery summary of `status`: sent messages of the last week.
        CREATE INDEX messages_sent ON messages (sent_at) WHERE state = 'sent';
        -- Batch delivery reports name the gateway's id.
        CREATE INDEX messages_by_gateway_id ON messages (gateway_id) WHERE gateway_id IS NOT NULL;
        -- Where the last run left off (one row per cron tick: ~100,000 a year).
        CREATE INDEX runs_by_now ON runs (now);
        -- The last top-up (a purchase or a changed allowance), among a year of charges.
        CREATE INDEX ledger_top_ups ON ledger (id) WHERE kind IN ('purchase', 'adjust');
        """,
    ),
    (
        "010_phone_class",
        """
        -- Each phone number classified once (smsremind.intake.phones), not on every cron
        -- tick: the first run that plans a visit stores the class of its number.  NULL: not
        -- classified yet (new rows, rows from before this column, a changed number).  Not at
        -- import: a year's file holds ~125,000 distinct numbers at ~45 us each, most of them
        -- for visits long past that no run will plan.
        ALTER TABLE appointments ADD COLUMN phone_class TEXT;
        CREATE TRIGGER appointments_phone_changed AFTER UPDATE OF phone ON appointments
            WHEN old.phone IS NOT new.phone BEGIN
            UPDATE appointments SET phone_class = NULL WHERE id = new.id;
        END;
        """,
    ),
    (
        "011_appointments_by_booked_at",
        """
        -- Every run looks for visits booked since the previous run (late bookings): a search
        -- of the few booked since, not a walk over the next five weeks of visits.
        CREATE INDEX appointments_by_booked_at ON appointments (booked_at);
        """,
    ),
    (
        "012_start_covers_booked_at",
        """
        -- Late bookings are read from the start index alone (the visits of the next few days,
        -- their booking time checked in the index, no table row read): a separate index on
        -- booked_at, nearly every value distinct and in no order, cost a fresh import of a
        -- million rows ~1 s of CPU to build (docs/performance.md).
        DROP INDEX appointments_by_booked_at;
        DROP INDEX appointments_by_start;
        CREATE INDEX appointments_by_start ON appointments (start, booked_at);
        """,
    ),
]
