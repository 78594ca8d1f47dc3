-- Who rotated a token: a digest of the client address and user agent of the request that used
-- it. A retry of a lost answer is accepted only from that same client, so a copied cookie used
-- from anywhere else is reuse at once, as before the retry allowance.
ALTER TABLE "refresh_tokens" ADD COLUMN "rotated_by" TEXT;
