package server

import "github.com/iamd-dev/iamd/internal/store"

// StoreOf is the store the server's services use, for tests that read what it keeps (the audit trail).
func StoreOf(s *Server) store.Store { return s.store }
