DROP TABLE outbox;
DROP TABLE rate_limits;
DROP TABLE captcha_challenges;
DROP TABLE opinions;
DROP TABLE sections;
DROP TABLE drafts;
DROP TABLE consultations;
