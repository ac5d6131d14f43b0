package creemtest

// usageStore holds meters and usage events. Server.mu guards it.
type usageStore struct{}

func (st *usageStore) init() {}
