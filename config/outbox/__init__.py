"""The transactional outbox: tasks to send are rows written in the business transaction; a relay
publishes them and deletes each row only once the broker has taken the message."""
