package creemtest

// hooksStore holds webhook endpoints registered through the API. Server.mu guards it.
type hooksStore struct{}

func (st *hooksStore) init() {}
