DROP TABLE opinion_signatures;
