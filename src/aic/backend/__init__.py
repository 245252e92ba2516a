"""The backend service (:3100): CQRS + event sourcing, sagas, realtime, auth, AI gateway."""
