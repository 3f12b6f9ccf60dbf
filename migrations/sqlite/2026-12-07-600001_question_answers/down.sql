DROP TABLE question_answers;
