-- Up Migration
-- Waitlist numbers are drawn 1,048,576 apart, so the numbers between two draws are free: a
-- waiting room that sells out draws one number and gives the tickets it told `base + q`, their
-- place in its line, so the waitlist keeps the line's order however fast each one clicks
-- (docs/waiting-room.md). Numbers already given stay below every new one; scores stay exact in
-- Redis (doubles) for 2^33 draws.
ALTER SEQUENCE waitlist_seq INCREMENT BY 1048576;
SELECT setval('waitlist_seq', ((SELECT last_value FROM waitlist_seq) / 1048576 + 1) * 1048576, false);

-- Down Migration
ALTER SEQUENCE waitlist_seq INCREMENT BY 1;
