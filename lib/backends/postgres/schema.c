/* The PostgreSQL schema and its migrations (schema.h).
 *
 * Ids, collections and keys are bytea: the ports allow any bytes but NUL and compare them
 * bytewise, which is bytea's order (text would need valid UTF-8 and a "C" collation).
 * Everything that must change several rows atomically is a PL/pgSQL function, so a call is one
 * round trip and row locks are held only while the server works and commits, never across the
 * network. Functions report expected outcomes as small integer codes (each store names them), not
 * errors, so a sold out product costs no aborted transaction and no server log line. */
#include "backends/postgres/schema.h"

#include <stdio.h>
#include <stdlib.h>

#include "backends/postgres/pool.h"
#include "core/error.h"

/* Step 1: documents and their index keys. A key row per (document, key); the partial unique
 * index makes two documents racing for one unique key collide in the server, and the put
 * function refuses a unique key another document holds even as a plain key. Keys reach
 * fantasy_put as one bytea: per key a flag byte ('u' unique, 'p' plain), the key, a NUL. */
static const char step_records[] =
    "CREATE TABLE fantasy_docs (coll bytea NOT NULL, id bytea NOT NULL, version bigint NOT NULL,"
    " doc bytea NOT NULL, PRIMARY KEY (coll, id));"
    "CREATE TABLE fantasy_keys (coll bytea NOT NULL, key bytea NOT NULL, id bytea NOT NULL,"
    " uniq boolean NOT NULL, PRIMARY KEY (coll, key, id));"
    "CREATE UNIQUE INDEX fantasy_keys_unique ON fantasy_keys (coll, key) WHERE uniq;"
    "CREATE INDEX fantasy_keys_doc ON fantasy_keys (coll, id);"
    "CREATE FUNCTION fantasy_put(p_coll bytea, p_id bytea, p_mode bigint, p_expected bigint,"
    " p_doc bytea, p_keys bytea, OUT code bigint, OUT new_version bigint, OUT detail bytea)"
    " LANGUAGE plpgsql AS $fn$\n"
    "DECLARE rest bytea := p_keys; cut int; k bytea; u boolean;\n"
    "BEGIN\n"
    "  code := 0; new_version := 0;\n"
    "  IF p_mode = 0 OR (p_mode = 1 AND p_expected = 0) THEN\n"
    "    INSERT INTO fantasy_docs (coll, id, version, doc) VALUES (p_coll, p_id, 1, p_doc)\n"
    "      ON CONFLICT (coll, id) DO NOTHING RETURNING version INTO new_version;\n"
    "    IF NOT FOUND THEN\n"
    "      SELECT version INTO new_version FROM fantasy_docs WHERE coll = p_coll AND id = p_id;\n"
    "      code := CASE WHEN p_mode = 0 THEN 1 ELSE 2 END; RETURN;\n"
    "    END IF;\n"
    "  ELSIF p_mode = 1 THEN\n"
    "    UPDATE fantasy_docs SET version = version + 1, doc = p_doc\n"
    "      WHERE coll = p_coll AND id = p_id AND version = p_expected\n"
    "      RETURNING version INTO new_version;\n"
    "    IF NOT FOUND THEN\n"
    "      SELECT version INTO new_version FROM fantasy_docs WHERE coll = p_coll AND id = p_id;\n"
    "      code := CASE WHEN FOUND THEN 2 ELSE 3 END; RETURN;\n"
    "    END IF;\n"
    "  ELSE\n"
    "    INSERT INTO fantasy_docs AS d (coll, id, version, doc) VALUES (p_coll, p_id, 1, p_doc)\n"
    "      ON CONFLICT (coll, id) DO UPDATE SET version = d.version + 1, doc = EXCLUDED.doc\n"
    "      RETURNING d.version INTO new_version;\n"
    "  END IF;\n"
    "  IF new_version > 1 THEN\n"
    "    DELETE FROM fantasy_keys WHERE coll = p_coll AND id = p_id;\n"
    "  END IF;\n"
    "  WHILE length(rest) > 0 LOOP\n"
    "    u := get_byte(rest, 0) = 117;\n"
    "    cut := position('\\x00'::bytea IN rest);\n"
    "    k := substring(rest FROM 2 FOR cut - 2);\n"
    "    rest := substring(rest FROM cut + 1);\n"
    "    IF u THEN\n"
    "      SELECT id INTO detail FROM fantasy_keys WHERE coll = p_coll AND key = k AND id <> p_id\n"
    "        LIMIT 1;\n"
    "      IF FOUND THEN code := 4; new_version := 0; detail := k || '\\x3d'::bytea || detail;"
    " RETURN; END IF;\n"
    "    END IF;\n"
    "    INSERT INTO fantasy_keys AS x (coll, key, id, uniq) VALUES (p_coll, k, p_id, u)\n"
    "      ON CONFLICT (coll, key, id) DO UPDATE SET uniq = x.uniq OR EXCLUDED.uniq;\n"
    "  END LOOP;\n"
    "END $fn$;"
    "CREATE FUNCTION fantasy_del(p_coll bytea, p_id bytea, p_mode bigint, p_expected bigint,"
    " OUT code bigint, OUT cur bigint) LANGUAGE plpgsql AS $fn$\n"
    "BEGIN\n"
    "  code := 0; cur := 0;\n"
    "  IF p_mode = 1 AND p_expected = 0 THEN\n"
    "    SELECT version INTO cur FROM fantasy_docs WHERE coll = p_coll AND id = p_id;\n"
    "    IF FOUND THEN code := 2; END IF; RETURN;\n"
    "  ELSIF p_mode = 1 THEN\n"
    "    DELETE FROM fantasy_docs WHERE coll = p_coll AND id = p_id AND version = p_expected;\n"
    "    IF NOT FOUND THEN\n"
    "      SELECT version INTO cur FROM fantasy_docs WHERE coll = p_coll AND id = p_id;\n"
    "      code := CASE WHEN FOUND THEN 2 ELSE 3 END; RETURN;\n"
    "    END IF;\n"
    "  ELSE\n"
    "    DELETE FROM fantasy_docs WHERE coll = p_coll AND id = p_id;\n"
    "  END IF;\n"
    "  DELETE FROM fantasy_keys WHERE coll = p_coll AND id = p_id;\n"
    "END $fn$;";

/* Step 2: stock. The CHECK on fantasy_products is the database's own guard against oversell.
 * Lock order everywhere: hold, product, usage (reserve never waits on an existing hold: it
 * reads it first and only inserts new ones). */
static const char step_stock[] =
    "CREATE TABLE fantasy_products (id bytea PRIMARY KEY, stock bigint NOT NULL,"
    " held bigint NOT NULL DEFAULT 0, sold bigint NOT NULL DEFAULT 0,"
    " CHECK (held >= 0 AND sold >= 0 AND (stock < 0 OR held + sold <= stock)));"
    "CREATE TABLE fantasy_holds (id bytea PRIMARY KEY, product bytea NOT NULL,"
    " user_id bytea NOT NULL, qty bigint NOT NULL, expires_at bigint NOT NULL,"
    " state smallint NOT NULL);"
    "CREATE INDEX fantasy_holds_due ON fantasy_holds (expires_at, id) WHERE state = 1;"
    "CREATE TABLE fantasy_usage (product bytea NOT NULL, user_id bytea NOT NULL,"
    " used bigint NOT NULL CHECK (used >= 0), PRIMARY KEY (product, user_id));"
    "CREATE FUNCTION fantasy_hold_replay(p_hold bytea, p_product bytea, p_user bytea,"
    " p_qty bigint) RETURNS bigint LANGUAGE plpgsql AS $fn$\n"
    "DECLARE h fantasy_holds%ROWTYPE;\n"
    "BEGIN\n"
    "  SELECT * INTO h FROM fantasy_holds WHERE id = p_hold;\n"
    "  IF NOT FOUND THEN RETURN NULL; END IF;\n"
    "  IF h.product <> p_product OR h.user_id <> p_user OR h.qty <> p_qty THEN RETURN 4; END IF;\n"
    "  IF h.state NOT IN (1, 2) THEN RETURN 5; END IF;\n"
    "  RETURN 0;\n"
    "END $fn$;"
    /* The reserve: one conditional UPDATE … RETURNING of the product row (the sold-out check;
     * detail gets what is left), one conditional upsert of the (product, user) usage row (the
     * limit, race-free at READ COMMITTED: the row lock orders one user's reserves and the WHERE
     * sees the latest value), then the hold row. A later step that refuses undoes the earlier
     * ones in the same transaction, so a refused reserve leaves nothing behind. */
    "CREATE FUNCTION fantasy_reserve(p_hold bytea, p_product bytea, p_user bytea, p_qty bigint,"
    " p_limit bigint, p_expires bigint, OUT code bigint, OUT detail bigint)"
    " LANGUAGE plpgsql AS $fn$\n"
    "DECLARE p fantasy_products%ROWTYPE;\n"
    "BEGIN\n"
    "  detail := 0;\n"
    "  code := fantasy_hold_replay(p_hold, p_product, p_user, p_qty);\n"
    "  IF code IS NOT NULL THEN RETURN; END IF;\n"
    "  UPDATE fantasy_products SET held = held + p_qty WHERE id = p_product AND\n"
    "    (stock - held - sold >= p_qty OR\n"
    "     (stock < 0 AND held + sold <= 9223372036854775807 - p_qty))\n"
    "    RETURNING stock - held - sold INTO detail;\n"
    "  IF NOT FOUND THEN\n"
    "    SELECT * INTO p FROM fantasy_products WHERE id = p_product;\n"
    "    IF NOT FOUND THEN code := 1;\n"
    "    ELSIF p.stock < 0 THEN code := 6;\n"
    "    ELSE code := 2; detail := p.stock - p.held - p.sold; END IF;\n"
    "    RETURN;\n"
    "  END IF;\n"
    "  INSERT INTO fantasy_usage AS x (product, user_id, used)\n"
    "    SELECT p_product, p_user, p_qty WHERE p_limit <= 0 OR p_qty <= p_limit\n"
    "    ON CONFLICT (product, user_id) DO UPDATE SET used = x.used + EXCLUDED.used\n"
    "    WHERE p_limit <= 0 OR x.used + EXCLUDED.used <= p_limit;\n"
    "  IF NOT FOUND THEN\n"
    "    UPDATE fantasy_products SET held = held - p_qty WHERE id = p_product;\n"
    "    SELECT used INTO detail FROM fantasy_usage WHERE product = p_product AND"
    " user_id = p_user;\n"
    "    code := 3; detail := coalesce(detail, 0); RETURN;\n"
    "  END IF;\n"
    "  INSERT INTO fantasy_holds (id, product, user_id, qty, expires_at, state)\n"
    "    VALUES (p_hold, p_product, p_user, p_qty, p_expires, 1) ON CONFLICT (id) DO NOTHING;\n"
    "  IF NOT FOUND THEN\n"
    "    UPDATE fantasy_products SET held = held - p_qty WHERE id = p_product;\n"
    "    UPDATE fantasy_usage SET used = used - p_qty WHERE product = p_product AND"
    " user_id = p_user;\n"
    "    code := fantasy_hold_replay(p_hold, p_product, p_user, p_qty); RETURN;\n"
    "  END IF;\n"
    "  code := 0;\n"
    "END $fn$;"
    /* Moves of a known hold: 1 confirm, 2 release, 3 give back. */
    "CREATE FUNCTION fantasy_hold_move(p_hold bytea, p_kind bigint, p_now bigint,"
    " OUT code bigint, OUT cur bigint) LANGUAGE plpgsql AS $fn$\n"
    "DECLARE h fantasy_holds%ROWTYPE;\n"
    "BEGIN\n"
    "  code := 0; cur := 0;\n"
    "  IF p_kind = 1 THEN\n"
    "    UPDATE fantasy_holds SET state = 2 WHERE id = p_hold AND state = 1 AND"
    " expires_at > p_now RETURNING * INTO h;\n"
    "    IF FOUND THEN\n"
    "      UPDATE fantasy_products SET held = held - h.qty, sold = sold + h.qty"
    " WHERE id = h.product;\n"
    "      RETURN;\n"
    "    END IF;\n"
    "  ELSIF p_kind = 2 THEN\n"
    "    UPDATE fantasy_holds SET state = 3 WHERE id = p_hold AND state = 1 RETURNING * INTO h;\n"
    "    IF FOUND THEN\n"
    "      UPDATE fantasy_products SET held = held - h.qty WHERE id = h.product;\n"
    "      UPDATE fantasy_usage SET used = used - h.qty WHERE product = h.product AND"
    " user_id = h.user_id;\n"
    "      RETURN;\n"
    "    END IF;\n"
    "  ELSE\n"
    "    UPDATE fantasy_holds SET state = 5 WHERE id = p_hold AND state = 2 RETURNING * INTO h;\n"
    "    IF FOUND THEN\n"
    "      UPDATE fantasy_products SET sold = sold - h.qty WHERE id = h.product;\n"
    "      UPDATE fantasy_usage SET used = used - h.qty WHERE product = h.product AND"
    " user_id = h.user_id;\n"
    "      RETURN;\n"
    "    END IF;\n"
    "  END IF;\n"
    "  SELECT * INTO h FROM fantasy_holds WHERE id = p_hold;\n"
    "  IF NOT FOUND THEN code := 1; RETURN; END IF;\n"
    "  cur := h.state;\n"
    "  IF (p_kind = 1 AND h.state = 2) OR (p_kind = 2 AND h.state IN (3, 4)) OR\n"
    "     (p_kind = 3 AND h.state = 5) THEN RETURN; END IF;\n"
    "  IF p_kind = 1 AND h.state = 1 THEN code := 7; cur := h.expires_at; RETURN; END IF;\n"
    "  code := 5;\n"
    "END $fn$;"
    /* The sweep skips holds another transaction has locked: they are being moved right now. */
    "CREATE FUNCTION fantasy_expire(p_now bigint, p_max bigint)"
    " RETURNS TABLE (hold_id bytea, hold_qty bigint) LANGUAGE plpgsql AS $fn$\n"
    "DECLARE h fantasy_holds%ROWTYPE;\n"
    "BEGIN\n"
    "  FOR h IN SELECT * FROM fantasy_holds WHERE state = 1 AND expires_at <= p_now AND\n"
    "      expires_at < 9223372036854775807 ORDER BY expires_at, id LIMIT p_max\n"
    "      FOR UPDATE SKIP LOCKED LOOP\n"
    "    UPDATE fantasy_holds SET state = 4 WHERE id = h.id;\n"
    "    UPDATE fantasy_products SET held = held - h.qty WHERE id = h.product;\n"
    "    UPDATE fantasy_usage SET used = used - h.qty WHERE product = h.product AND"
    " user_id = h.user_id;\n"
    "    hold_id := h.id; hold_qty := h.qty; RETURN NEXT;\n"
    "  END LOOP;\n"
    "END $fn$;";

/* Step 3: ride queues. The partial unique index is what makes "one active entry per user and
 * ride" atomic; the ride row's lock serializes joins and calls of one ride, so seq numbers are
 * handed out in commit order without gaps. */
static const char step_queues[] =
    "CREATE TABLE fantasy_rides (id bytea PRIMARY KEY, last_seq bigint NOT NULL);"
    "CREATE TABLE fantasy_entries (id bytea PRIMARY KEY, ride bytea NOT NULL,"
    " seq bigint NOT NULL, user_id bytea NOT NULL, party bigint NOT NULL,"
    " status smallint NOT NULL, joined_at bigint NOT NULL, called_at bigint NOT NULL DEFAULT 0,"
    " call_expires_at bigint NOT NULL DEFAULT 0, finished_at bigint NOT NULL DEFAULT 0,"
    " UNIQUE (ride, seq));"
    "CREATE UNIQUE INDEX fantasy_entries_active ON fantasy_entries (ride, user_id)"
    " WHERE status IN (1, 2);"
    "CREATE INDEX fantasy_entries_waiting ON fantasy_entries (ride, seq) INCLUDE (party)"
    " WHERE status = 1;"
    "CREATE INDEX fantasy_entries_due ON fantasy_entries (call_expires_at, id) WHERE status = 2;"
    "CREATE FUNCTION fantasy_enqueue(p_id bytea, p_ride bytea, p_user bytea, p_party bigint,"
    " p_now bigint, OUT code bigint, OUT out_seq bigint) LANGUAGE plpgsql AS $fn$\n"
    "DECLARE e fantasy_entries%ROWTYPE;\n"
    "BEGIN\n"
    "  code := 0; out_seq := 0;\n"
    "  SELECT * INTO e FROM fantasy_entries WHERE id = p_id;\n"
    "  IF NOT FOUND THEN\n"
    "    INSERT INTO fantasy_rides AS r (id, last_seq) VALUES (p_ride, 1)\n"
    "      ON CONFLICT (id) DO UPDATE SET last_seq = r.last_seq + 1 RETURNING last_seq"
    " INTO out_seq;\n"
    "    SELECT * INTO e FROM fantasy_entries WHERE id = p_id;\n"
    "    IF NOT FOUND THEN\n"
    "      IF EXISTS (SELECT 1 FROM fantasy_entries WHERE ride = p_ride AND user_id = p_user\n"
    "                 AND status IN (1, 2)) THEN\n"
    "        UPDATE fantasy_rides SET last_seq = last_seq - 1 WHERE id = p_ride;\n"
    "        code := 8; out_seq := 0; RETURN;\n"
    "      END IF;\n"
    "      INSERT INTO fantasy_entries (id, ride, seq, user_id, party, status, joined_at)\n"
    "        VALUES (p_id, p_ride, out_seq, p_user, p_party, 1, p_now);\n"
    "      RETURN;\n"
    "    END IF;\n"
    "    UPDATE fantasy_rides SET last_seq = last_seq - 1 WHERE id = p_ride;\n"
    "  END IF;\n"
    "  IF e.ride = p_ride AND e.user_id = p_user AND e.party = p_party THEN\n"
    "    out_seq := e.seq;\n"
    "  ELSE\n"
    "    code := 4; out_seq := 0;\n"
    "  END IF;\n"
    "END $fn$;"
    "CREATE FUNCTION fantasy_queue_call(p_ride bytea, p_capacity bigint, p_now bigint,"
    " p_expires bigint) RETURNS TABLE (entry_id bytea, entry_seq bigint)"
    " LANGUAGE plpgsql AS $fn$\n"
    "DECLARE e record; left_cap bigint := p_capacity;\n"
    "BEGIN\n"
    "  PERFORM 1 FROM fantasy_rides WHERE id = p_ride FOR UPDATE;\n"
    "  IF NOT FOUND THEN RETURN; END IF;\n"
    "  FOR e IN SELECT id, seq, party FROM fantasy_entries WHERE ride = p_ride AND status = 1\n"
    "      ORDER BY seq LOOP\n"
    "    EXIT WHEN e.party > left_cap;\n"
    "    UPDATE fantasy_entries SET status = 2, called_at = p_now, call_expires_at = p_expires\n"
    "      WHERE id = e.id AND status = 1;\n"
    "    IF FOUND THEN\n"
    "      left_cap := left_cap - e.party; entry_id := e.id; entry_seq := e.seq; RETURN NEXT;\n"
    "    END IF;\n"
    "  END LOOP;\n"
    "END $fn$;";

/* Step 4: documents also as JSONB, for server-side queries and inspection. The bytes stay the
 * document of record (what get returns, byte for byte); `body` is their JSONB reading, NULL
 * when they are not JSON, computed by the server for old rows and new ones alike. */
static const char step_jsonb[] =
    "CREATE FUNCTION fantasy_json_or_null(b bytea) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE"
    " STRICT AS $fn$\n"
    "BEGIN\n"
    "  RETURN convert_from(b, 'UTF8')::jsonb;\n"
    "EXCEPTION WHEN OTHERS THEN\n"
    "  RETURN NULL;\n"
    "END $fn$;"
    "ALTER TABLE fantasy_docs ADD COLUMN body jsonb"
    " GENERATED ALWAYS AS (fantasy_json_or_null(doc)) STORED;";

/* Step 5: a per-ride Fenwick tree over seq of the WAITING entries, so a position is O(log n)
 * primary-key reads instead of a scan of the entries ahead. Node (ride, idx) holds the count and
 * the party sizes of the WAITING entries with seq in (idx - lowbit(idx), idx]; there is a node
 * for every seq up to the ride's last_seq. Every change of the tree happens under the ride row's
 * lock and in the transaction of the status change it follows: a join appends its node, a call
 * or a leave from WAITING subtracts along the path up to last_seq. Lock order is ride row, then
 * entry rows, in every function. The tree is built from the entries for a database at step 4. */
static const char step_rank_tree[] =
    "CREATE TABLE fantasy_queue_tree (ride bytea NOT NULL, idx bigint NOT NULL,"
    " cnt bigint NOT NULL, people bigint NOT NULL, PRIMARY KEY (ride, idx));"
    /* The nodes whose sums make up the prefix (p_stop, p_from]: p_stop 0 gives a prefix sum,
     * p_stop = n - lowbit(n) the nodes a new node n covers besides itself. */
    "CREATE FUNCTION fantasy_rank_down(p_from bigint, p_stop bigint) RETURNS bigint[]"
    " LANGUAGE plpgsql IMMUTABLE STRICT AS $fn$\n"
    "DECLARE j bigint := p_from; nodes bigint[] := '{}';\n"
    "BEGIN\n"
    "  WHILE j > p_stop LOOP nodes := nodes || j; j := j - (j & -j); END LOOP;\n"
    "  RETURN nodes;\n"
    "END $fn$;"
    /* The nodes that cover seq p_from, up to the last node. */
    "CREATE FUNCTION fantasy_rank_up(p_from bigint, p_last bigint) RETURNS bigint[]"
    " LANGUAGE plpgsql IMMUTABLE STRICT AS $fn$\n"
    "DECLARE j bigint := p_from; nodes bigint[] := '{}';\n"
    "BEGIN\n"
    "  WHILE j > 0 AND j <= p_last LOOP nodes := nodes || j; j := j + (j & -j); END LOOP;\n"
    "  RETURN nodes;\n"
    "END $fn$;"
    /* The backfill: every node of 1..last_seq at zero, then each WAITING entry adds itself
     * along its path: O(n log n) rows. An update of the nodes by key, not a join of the nodes
     * with the sums, whose plan without fresh statistics rescanned the sums per node (minutes
     * at 100k entries); no ANALYZE either, which on a new database would leave the functions'
     * plans believing the tables empty. */
    "INSERT INTO fantasy_queue_tree (ride, idx, cnt, people)"
    " SELECT r.id, i.i, 0, 0"
    " FROM fantasy_rides r CROSS JOIN LATERAL generate_series(1::bigint, r.last_seq) AS i(i);"
    "UPDATE fantasy_queue_tree t SET cnt = d.n, people = d.p"
    " FROM (SELECT e.ride, u.idx, count(*) AS n, sum(e.party)::int8 AS p"
    "   FROM fantasy_entries e JOIN fantasy_rides r ON r.id = e.ride"
    "   CROSS JOIN LATERAL unnest(fantasy_rank_up(e.seq, r.last_seq)) AS u(idx)"
    "   WHERE e.status = 1 GROUP BY e.ride, u.idx) d"
    " WHERE t.ride = d.ride AND t.idx = d.idx;"
    "CREATE OR REPLACE FUNCTION fantasy_enqueue(p_id bytea, p_ride bytea, p_user bytea,"
    " p_party bigint, p_now bigint, OUT code bigint, OUT out_seq bigint)"
    " LANGUAGE plpgsql AS $fn$\n"
    "DECLARE e fantasy_entries%ROWTYPE;\n"
    "BEGIN\n"
    "  code := 0; out_seq := 0;\n"
    "  SELECT * INTO e FROM fantasy_entries WHERE id = p_id;\n"
    "  IF NOT FOUND THEN\n"
    "    INSERT INTO fantasy_rides AS r (id, last_seq) VALUES (p_ride, 1)\n"
    "      ON CONFLICT (id) DO UPDATE SET last_seq = r.last_seq + 1 RETURNING last_seq"
    " INTO out_seq;\n"
    "    SELECT * INTO e FROM fantasy_entries WHERE id = p_id;\n"
    "    IF NOT FOUND THEN\n"
    "      IF EXISTS (SELECT 1 FROM fantasy_entries WHERE ride = p_ride AND user_id = p_user\n"
    "                 AND status IN (1, 2)) THEN\n"
    "        UPDATE fantasy_rides SET last_seq = last_seq - 1 WHERE id = p_ride;\n"
    "        code := 8; out_seq := 0; RETURN;\n"
    "      END IF;\n"
    "      INSERT INTO fantasy_entries (id, ride, seq, user_id, party, status, joined_at)\n"
    "        VALUES (p_id, p_ride, out_seq, p_user, p_party, 1, p_now);\n"
    "      INSERT INTO fantasy_queue_tree (ride, idx, cnt, people)\n"
    "        SELECT p_ride, out_seq, 1 + coalesce(sum(cnt), 0),"
    " p_party + coalesce(sum(people), 0)\n"
    "        FROM fantasy_queue_tree WHERE ride = p_ride AND\n"
    "          idx = ANY (fantasy_rank_down(out_seq - 1, out_seq - (out_seq & -out_seq)));\n"
    "      RETURN;\n"
    "    END IF;\n"
    "    UPDATE fantasy_rides SET last_seq = last_seq - 1 WHERE id = p_ride;\n"
    "  END IF;\n"
    "  IF e.ride = p_ride AND e.user_id = p_user AND e.party = p_party THEN\n"
    "    out_seq := e.seq;\n"
    "  ELSE\n"
    "    code := 4; out_seq := 0;\n"
    "  END IF;\n"
    "END $fn$;"
    /* The called entries leave the tree in one statement: their paths share the upper nodes. */
    "CREATE OR REPLACE FUNCTION fantasy_queue_call(p_ride bytea, p_capacity bigint,"
    " p_now bigint, p_expires bigint) RETURNS TABLE (entry_id bytea, entry_seq bigint)"
    " LANGUAGE plpgsql AS $fn$\n"
    "DECLARE e record; left_cap bigint := p_capacity; v_last bigint;\n"
    "  seqs bigint[] := '{}'; parties bigint[] := '{}';\n"
    "BEGIN\n"
    "  SELECT last_seq INTO v_last FROM fantasy_rides WHERE id = p_ride FOR UPDATE;\n"
    "  IF NOT FOUND THEN RETURN; END IF;\n"
    "  FOR e IN SELECT id, seq, party FROM fantasy_entries WHERE ride = p_ride AND status = 1\n"
    "      ORDER BY seq LOOP\n"
    "    EXIT WHEN e.party > left_cap;\n"
    "    UPDATE fantasy_entries SET status = 2, called_at = p_now, call_expires_at = p_expires\n"
    "      WHERE id = e.id AND status = 1;\n"
    "    IF FOUND THEN\n"
    "      left_cap := left_cap - e.party; seqs := seqs || e.seq; parties := parties || e.party;\n"
    "      entry_id := e.id; entry_seq := e.seq; RETURN NEXT;\n"
    "    END IF;\n"
    "  END LOOP;\n"
    "  UPDATE fantasy_queue_tree t SET cnt = t.cnt - d.n, people = t.people - d.p\n"
    "    FROM (SELECT u.idx, count(*) AS n, sum(c.party)::int8 AS p\n"
    "          FROM unnest(seqs, parties) AS c(seq, party)\n"
    "          CROSS JOIN LATERAL unnest(fantasy_rank_up(c.seq, v_last)) AS u(idx)\n"
    "          GROUP BY u.idx) d\n"
    "    WHERE t.ride = p_ride AND t.idx = d.idx;\n"
    "END $fn$;"
    /* finish: code 0 moved, 1 no such entry, 2 not in p_mask (cur: its status). Only a WAITING
     * entry's move touches the tree, so only then is the ride row locked, before the entry's;
     * an entry never goes back to WAITING, so one not WAITING at the first read needs no lock. */
    "CREATE FUNCTION fantasy_queue_finish(p_id bytea, p_mask bigint, p_to bigint, p_now bigint,"
    " OUT code bigint, OUT cur bigint) LANGUAGE plpgsql AS $fn$\n"
    "DECLARE e fantasy_entries%ROWTYPE; v_last bigint;\n"
    "BEGIN\n"
    "  code := 0; cur := 0;\n"
    "  SELECT * INTO e FROM fantasy_entries WHERE id = p_id;\n"
    "  IF NOT FOUND THEN code := 1; RETURN; END IF;\n"
    "  IF e.status = 1 AND (p_mask & 1) <> 0 THEN\n"
    "    SELECT last_seq INTO v_last FROM fantasy_rides WHERE id = e.ride FOR UPDATE;\n"
    "  END IF;\n"
    "  SELECT * INTO e FROM fantasy_entries WHERE id = p_id FOR UPDATE;\n"
    "  cur := e.status;\n"
    "  IF (e.status & p_mask) = 0 THEN code := 2; RETURN; END IF;\n"
    "  UPDATE fantasy_entries SET status = p_to, finished_at = p_now WHERE id = p_id;\n"
    "  IF e.status = 1 THEN\n"
    "    UPDATE fantasy_queue_tree SET cnt = cnt - 1, people = people - e.party\n"
    "      WHERE ride = e.ride AND idx = ANY (fantasy_rank_up(e.seq, v_last));\n"
    "  END IF;\n"
    "END $fn$;";

static const char *const steps[FANTASY__PG_SCHEMA_LATEST] = {
    step_records, step_stock, step_queues, step_jsonb, step_rank_tree,
};

/* One command on a migration connection; the failure's status and message, or FANTASY_OK. */
static fantasy_status run(PGconn *pg, const char *sql, const char *who, PGresult **keep) {
    PGresult *r = PQexec(pg, sql);
    ExecStatusType es = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK) {
        fantasy_status st = fantasy__pg_fail(pg, r, who);
        PQclear(r);
        return fantasy__error_wrap(st, "schema migration");
    }
    if (keep) {
        *keep = r;
    } else {
        PQclear(r);
    }
    return FANTASY_OK;
}

static fantasy_status read_version(PGconn *pg, const char *who, int *version) {
    PGresult *r = NULL;
    fantasy_status st = run(pg, "SELECT version FROM fantasy_schema_version", who, &r);
    if (st == FANTASY_OK) {
        *version = PQntuples(r) == 1 ? (int)strtol(PQgetvalue(r, 0, 0), NULL, 10) : 0;
        PQclear(r);
    }
    return st;
}

static fantasy_status step_up(PGconn *pg, int to, const char *who) {
    fantasy_status st = run(pg, steps[to - 1], who, NULL);
    if (st != FANTASY_OK) {
        return st;
    }
    char sql[96];
    (void)snprintf(sql, sizeof sql, "UPDATE fantasy_schema_version SET version = %d", to);
    return run(pg, sql, who, NULL);
}

static fantasy_status migrate_locked(PGconn *pg, int target, const char *who) {
    /* A per-schema lock, so stores in different schemas of one database don't wait on each
     * other; taken before anything is created, so racing first opens create the table once. */
    fantasy_status st = run(pg,
                            "SELECT pg_advisory_xact_lock(hashtext('fantasy_schema:' ||"
                            " coalesce(current_schema(), '')))",
                            who, NULL);
    if (st == FANTASY_OK) {
        st = run(pg,
                 "CREATE TABLE IF NOT EXISTS fantasy_schema_version (one boolean PRIMARY KEY"
                 " DEFAULT true CHECK (one), version integer NOT NULL);"
                 "INSERT INTO fantasy_schema_version (version) VALUES (0) ON CONFLICT DO NOTHING",
                 who, NULL);
    }
    int version = 0;
    if (st == FANTASY_OK) {
        st = read_version(pg, who, &version);
    }
    if (st == FANTASY_OK && version > FANTASY__PG_SCHEMA_LATEST) {
        return fantasy__fail(FANTASY_EINVAL,
                             "%s: database schema version %d is newer than this library's %d", who,
                             version, FANTASY__PG_SCHEMA_LATEST);
    }
    for (int v = version + 1; st == FANTASY_OK && v <= target; v++) {
        st = step_up(pg, v, who);
    }
    return st;
}

fantasy_status fantasy__pg_migrate(PGconn *pg, int target, const char *who) {
    if (target < 1 || target > FANTASY__PG_SCHEMA_LATEST) {
        return fantasy__fail(FANTASY_EINVAL, "%s: no schema version %d", who, target);
    }
    fantasy_status st = run(pg, "BEGIN", who, NULL);
    if (st != FANTASY_OK) {
        return st;
    }
    st = migrate_locked(pg, target, who);
    if (st == FANTASY_OK) {
        return run(pg, "COMMIT", who, NULL);
    }
    PQclear(PQexec(pg, "ROLLBACK"));
    return st;
}

fantasy_status fantasy__pg_migrate_to(const char *conninfo, int target) {
    static const char who[] = "postgres migration";
    if (!conninfo) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: NULL conninfo", who);
    }
    PGconn *pg = NULL;
    fantasy_status st = fantasy__pg_connect(conninfo, who, &pg);
    if (st == FANTASY_OK) {
        st = fantasy__pg_migrate(pg, target, who);
        PQfinish(pg);
    }
    return st;
}
