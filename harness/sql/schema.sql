-- schema.sql - roles, database and TechEmpower tables of ringside's private PostgreSQL.
--
-- `harness pg start` runs this once, right after initdb, through psql as the
-- superuser (connected to the "postgres" database, ON_ERROR_STOP on). The
-- passwords are the role names; pg_hba.conf (written by harness/pgctl.c) gives
-- each role its authentication method:
--   bench        trust          the default role of every engine
--   bench_md5    md5            stored as an md5 hash, so the md5 exchange is used
--   bench_scram  scram-sha-256  for drivers' SASL code paths
-- Table and column names are unquoted, as in TechEmpower's Postgres schema, so
-- World.randomNumber is world.randomnumber to the server.

SET password_encryption = 'scram-sha-256';
CREATE ROLE bench LOGIN PASSWORD 'bench';
CREATE ROLE bench_scram LOGIN PASSWORD 'bench_scram';
-- md5 only while creating this one role: its hash decides the method the server can use.
SET password_encryption = 'md5';
CREATE ROLE bench_md5 LOGIN PASSWORD 'bench_md5';
RESET password_encryption;

CREATE DATABASE bench OWNER bench ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;

\connect bench
-- The fortunes below are UTF-8 whatever locale psql was started in.
SET client_encoding = 'UTF8';
-- Tables belong to bench, which owns the database (and so may create in public).
SET ROLE bench;

CREATE TABLE World (
	id integer NOT NULL,
	randomNumber integer NOT NULL DEFAULT 0,
	PRIMARY KEY (id)
);

CREATE TABLE Fortune (
	id integer NOT NULL,
	message varchar(2048) NOT NULL,
	PRIMARY KEY (id)
);

-- floor(random() * 10000) is 0..9999, so randomNumber is 1..10000.
INSERT INTO World (id, randomNumber)
SELECT g, 1 + floor(random() * 10000)::integer
FROM generate_series(1, 10000) AS g;

-- The 12 rows of TechEmpower's fortune table, byte for byte (one row per line:
-- tests/pg/ compares these lines with what the server returns).
INSERT INTO Fortune (id, message) VALUES
(1, 'fortune: No such file or directory'),
(2, 'A computer scientist is someone who fixes things that aren''t broken.'),
(3, 'After enough decimal places, nobody gives a damn.'),
(4, 'A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1'),
(5, 'A computer program does what you tell it to do, not what you want it to do.'),
(6, 'Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen'),
(7, 'Any program that runs right is obsolete.'),
(8, 'A list is only as strong as its weakest link. — Donald Knuth'),
(9, 'Feature: A bug with seniority.'),
(10, 'Computers make very fast, very accurate mistakes.'),
(11, '<script>alert("This should not be displayed in a browser alert box.");</script>'),
(12, 'フレームワークのベンチマーク');

GRANT SELECT, INSERT, UPDATE, DELETE ON World, Fortune TO bench_md5, bench_scram;

RESET ROLE;
VACUUM ANALYZE World, Fortune;
