-- A name the person gives a session ("Work laptop") so identical browsers can be told apart.
-- Length is limited by the API (auth.renameSession); null means no name was given.
ALTER TABLE "sessions" ADD COLUMN "name" TEXT;
