package creemtest

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/creem-go/creem"
)

// hooksStore holds webhook endpoints registered through the API. Server.mu guards it.
//
// Each endpoint signs its deliveries with a secret of its own (whsec_…), returned by create and
// by GET /v1/webhooks/{id}/secret, as Creem does; endpoints added with AddWebhookEndpoint keep
// signing with Server.WebhookSecret. HTTP endpoints are delivered to like AddWebhookEndpoint
// ones (ordered queue, retries); cli endpoints keep a pending feed instead.
type hooksStore struct {
	storeID string
	byID    map[string]*endpoint
	order   []string // IDs in creation order
}

func (st *hooksStore) init() {
	st.byID = map[string]*endpoint{}
}

// cliPlaceholderURL is the url of cli endpoints: never called.
const cliPlaceholderURL = "https://localhost/creem-cli"

// maxAckBody is how many characters of an acknowledged response body are kept.
const maxAckBody = 10000

func init() {
	familyRoutes = append(familyRoutes, func(s *Server, handle func(string, handler)) {
		handle("POST /v1/webhooks", s.createWebhook)
		handle("GET /v1/webhooks", s.listWebhooks)
		handle("GET /v1/webhooks/{id}", s.getWebhook)
		handle("PATCH /v1/webhooks/{id}", s.updateWebhook)
		handle("DELETE /v1/webhooks/{id}", s.deleteWebhook)
		handle("GET /v1/webhooks/{id}/secret", s.webhookSecret)
		handle("GET /v1/webhooks/{id}/events/pending", s.pendingWebhookEvents)
		handle("POST /v1/webhooks/{id}/events/{event_id}/ack", s.ackWebhookEvent)
	})
}

// hook finds an endpoint registered through the API. s.mu must be held.
func (s *Server) hook(r *http.Request) (*endpoint, *apiError) {
	ep, ok := s.st.hooks.byID[r.PathValue("id")]
	if !ok {
		return nil, codedError(http.StatusNotFound, "resource_not_found", "id", "Webhook endpoint not found")
	}
	return ep, nil
}

// hookJSON is WebhookEntity as the API sends it. (creem.WebhookEndpoint redacts its secret when
// encoded, so it cannot serve as the answer.)
type hookJSON struct {
	ID           string                    `json:"id"`
	Mode         creem.Mode                `json:"mode"`
	Object       string                    `json:"object"`
	StoreID      string                    `json:"store_id"`
	Name         *string                   `json:"name"`
	URL          string                    `json:"url"`
	DeliveryMode creem.WebhookDeliveryMode `json:"delivery_mode"`
	Status       creem.WebhookStatus       `json:"status"`
	Events       []creem.EventType         `json:"events"`
	Secret       string                    `json:"secret,omitempty"`
}

// hookView renders an endpoint as WebhookEntity; the secret only when asked (on create).
func (s *Server) hookView(ep *endpoint, withSecret bool) *hookJSON {
	v := &hookJSON{
		ID: ep.id, Mode: creem.ModeTest, Object: "webhook", StoreID: s.st.hooks.storeID, Name: ep.name,
		URL: ep.url, DeliveryMode: ep.mode, Status: ep.status, Events: append([]creem.EventType{}, ep.events...),
	}
	if withSecret {
		v.Secret = ep.secret
	}
	return v
}

// checkHookURL accepts absolute https URLs, and http ones on a loopback host so tests can
// register local servers.
func checkHookURL(raw string) *apiError {
	u, err := url.Parse(raw)
	if err == nil && u.Host != "" && u.User == nil {
		if u.Scheme == "https" {
			return nil
		}
		host := u.Hostname()
		ip := net.ParseIP(host)
		if u.Scheme == "http" && (host == "localhost" || (ip != nil && ip.IsLoopback())) {
			return nil
		}
	}
	return codedError(http.StatusBadRequest, "invalid_parameter", "url", "url must be an absolute https URL")
}

// uniqueEvents drops repeated event types, keeping the first order.
func uniqueEvents(in []creem.EventType) []creem.EventType {
	out := []creem.EventType{}
	seen := map[creem.EventType]bool{}
	for _, e := range in {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

func (s *Server) createWebhook(_ *http.Request, body []byte) (any, *apiError) {
	var p creem.CreateWebhookEndpointParams
	if err := decodeBody(body, "CreateWebhookRequestEntity", &p); err != nil {
		return nil, err
	}
	ep := &endpoint{
		id: newID("wh"), secret: "whsec_" + randomID(32), mode: p.DeliveryMode, status: creem.WebhookStatusEnabled,
		events: uniqueEvents(p.Events),
	}
	if ep.mode == "" {
		ep.mode = creem.WebhookDeliveryHTTP
	}
	if p.Name != "" {
		ep.name = creem.String(p.Name)
	}
	if ep.mode == creem.WebhookDeliveryCLI {
		ep.url = cliPlaceholderURL // the url of a cli endpoint is ignored
	} else {
		if p.URL == "" {
			return nil, codedError(http.StatusBadRequest, "parameter_missing", "url", "url is required unless delivery_mode is cli")
		}
		if aerr := checkHookURL(p.URL); aerr != nil {
			return nil, aerr
		}
		ep.url = p.URL
	}
	s.st.hooks.byID[ep.id] = ep
	s.st.hooks.order = append(s.st.hooks.order, ep.id)
	s.startEndpoint(ep)
	return s.hookView(ep, true), nil
}

func (s *Server) listWebhooks(r *http.Request, _ []byte) (any, *apiError) {
	views := make([]*hookJSON, 0, len(s.st.hooks.order))
	for _, id := range s.st.hooks.order {
		views = append(views, s.hookView(s.st.hooks.byID[id], false))
	}
	return paginate(r.URL.Query(), views)
}

func (s *Server) getWebhook(r *http.Request, _ []byte) (any, *apiError) {
	ep, aerr := s.hook(r)
	if aerr != nil {
		return nil, aerr
	}
	return s.hookView(ep, false), nil
}

func (s *Server) updateWebhook(r *http.Request, body []byte) (any, *apiError) {
	ep, aerr := s.hook(r)
	if aerr != nil {
		return nil, aerr
	}
	var p creem.UpdateWebhookEndpointParams
	if err := decodeBody(body, "UpdateWebhookRequestEntity", &p); err != nil {
		return nil, err
	}
	if p.URL != "" && ep.mode != creem.WebhookDeliveryCLI { // a cli endpoint's url stays a placeholder
		if aerr := checkHookURL(p.URL); aerr != nil {
			return nil, aerr
		}
		ep.url = p.URL
	}
	if p.Name.IsNull() {
		ep.name = nil
	} else if name, ok := p.Name.Get(); ok {
		ep.name = creem.String(name)
	}
	if p.Status != "" {
		ep.status = p.Status
	}
	if p.Events != nil {
		ep.events = uniqueEvents(p.Events)
	}
	return s.hookView(ep, false), nil
}

func (s *Server) deleteWebhook(r *http.Request, _ []byte) (any, *apiError) {
	ep, aerr := s.hook(r)
	if aerr != nil {
		return nil, aerr
	}
	delete(s.st.hooks.byID, ep.id)
	for i, id := range s.st.hooks.order {
		if id == ep.id {
			s.st.hooks.order = append(s.st.hooks.order[:i:i], s.st.hooks.order[i+1:]...)
			break
		}
	}
	s.stopEndpoint(ep)
	return s.hookView(ep, false), nil
}

func (s *Server) webhookSecret(r *http.Request, _ []byte) (any, *apiError) {
	ep, aerr := s.hook(r)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]string{"secret": ep.secret}, nil
}

// cliHook finds a cli endpoint: only they have a pending feed.
func (s *Server) cliHook(r *http.Request) (*endpoint, *apiError) {
	ep, aerr := s.hook(r)
	if aerr != nil {
		return nil, aerr
	}
	if ep.mode != creem.WebhookDeliveryCLI {
		return nil, codedError(http.StatusBadRequest, "invalid_delivery_mode", "id", "Only endpoints with delivery_mode cli have a pending event feed")
	}
	return ep, nil
}

func (s *Server) pendingWebhookEvents(r *http.Request, _ []byte) (any, *apiError) {
	ep, aerr := s.cliHook(r)
	if aerr != nil {
		return nil, aerr
	}
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return nil, codedError(http.StatusBadRequest, "invalid_parameter", "limit", "limit must be an integer between 1 and 100")
		}
		limit = n
	}
	items := []creem.PendingWebhookEvent{}
	now := s.now()
	for _, o := range ep.queue[:min(limit, len(ep.queue))] {
		headers := map[string]string{}
		for _, kv := range s.signatureHeaders(&o, now) {
			headers[kv[0]] = kv[1]
		}
		items = append(items, creem.PendingWebhookEvent{
			ID: o.eventID, Object: "webhook_event", EventType: o.eventType, CreatedAt: creem.NewTimestamp(o.at.UTC()),
			Body: string(o.body), Headers: headers,
		})
	}
	return &creem.PendingWebhookEvents{Items: items}, nil
}

func (s *Server) ackWebhookEvent(r *http.Request, body []byte) (any, *apiError) {
	ep, aerr := s.cliHook(r)
	if aerr != nil {
		return nil, aerr
	}
	var p struct {
		StatusCode   float64 `json:"status_code"`
		ResponseBody string  `json:"response_body"`
	}
	if err := decodeBody(body, "AcknowledgeWebhookEventRequestEntity", &p); err != nil {
		return nil, err
	}
	if p.StatusCode != float64(int(p.StatusCode)) || p.StatusCode < 100 || p.StatusCode > 599 {
		return nil, codedError(http.StatusBadRequest, "invalid_parameter", "status_code", "status_code must be an HTTP status code between 100 and 599")
	}
	id := r.PathValue("event_id")
	answer := func(success bool) *creem.WebhookEventAck {
		return &creem.WebhookEventAck{ID: id, Object: "webhook_event", Success: success}
	}
	if success, ok := ep.acked[id]; ok {
		return answer(success), nil // a repeated acknowledgment returns the stored result
	}
	for i, o := range ep.queue {
		if o.eventID != id {
			continue
		}
		ep.queue = append(ep.queue[:i:i], ep.queue[i+1:]...)
		s.settle(1)
		d := Delivery{
			EventID: id, EventType: o.eventType, Endpoint: ep.url, EndpointID: ep.id, Mode: creem.WebhookDeliveryCLI,
			Attempt: 1, Status: int(p.StatusCode), At: s.now(), ResponseBody: truncateChars(p.ResponseBody, maxAckBody),
		}
		s.deliveries = append(s.deliveries, d)
		ep.acked[id] = d.OK()
		return answer(d.OK()), nil
	}
	return nil, codedError(http.StatusNotFound, "resource_not_found", "event_id", "No pending event "+id+" for this endpoint")
}

// truncateChars cuts s to at most n characters as JavaScript counts them (UTF-16 code units).
func truncateChars(s string, n int) string {
	units := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 && r != utf8.RuneError {
			w = 2
		}
		if units+w > n {
			return strings.Clone(s[:i])
		}
		units += w
	}
	return s
}
