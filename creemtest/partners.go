package creemtest

// partnersStore holds affiliates, commissions, splits and the moderation stub. Server.mu guards it.
type partnersStore struct{}

func (st *partnersStore) init() {}
