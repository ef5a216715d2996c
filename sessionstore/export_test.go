package sessionstore

// Len reports, for the tests, how many sessions have a turn held or
// awaited in this process: none once every request has ended.
func (s *Store) Len() int {
	s.turns.mu.Lock()
	defer s.turns.mu.Unlock()
	return len(s.turns.locks)
}
