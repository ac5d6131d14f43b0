package creemtest

// creditsStore holds customer credit accounts, entries and ledger transactions. Server.mu guards it.
type creditsStore struct{}

func (st *creditsStore) init() {}
