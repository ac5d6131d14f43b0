package creem_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creem-go/creem"
)

const (
	webhookEndpointID = "wh_5Xb2mQ7vN1pLk9RtYw3zA"
	fixtureSecret     = "whsec_4qVt8Zr2Lm6Nb1Xc9Kd3Pw7Hs" // the secret in the webhook_endpoint fixtures
)

func init() {
	extraMethods = append(extraMethods, "Webhooks.All")
	endpoint := reflect.TypeFor[creem.WebhookEndpoint]()
	registry["createWebhook"] = specOp{method: "Webhooks.Create", body: reflect.TypeFor[creem.CreateWebhookEndpointParams](), result: endpoint}
	registry["getWebhook"] = specOp{method: "Webhooks.Get", args: []string{"id"}, result: endpoint}
	registry["listWebhooks"] = specOp{method: "Webhooks.List", query: reflect.TypeFor[creem.ListWebhookEndpointsParams](), result: reflect.TypeFor[creem.Page[creem.WebhookEndpoint]]()}
	registry["updateWebhook"] = specOp{method: "Webhooks.Update", args: []string{"id"}, body: reflect.TypeFor[creem.UpdateWebhookEndpointParams](), result: endpoint}
	registry["deleteWebhook"] = specOp{method: "Webhooks.Delete", args: []string{"id"}, result: endpoint}
	registry["getWebhookSecret"] = specOp{method: "Webhooks.Secret", args: []string{"id"}, result: reflect.TypeFor[creem.WebhookEndpointSecret]()}
	registry["listPendingWebhookEvents"] = specOp{method: "Webhooks.ListPending", args: []string{"id"}, query: reflect.TypeFor[creem.ListPendingWebhookEventsParams](), result: reflect.TypeFor[creem.PendingWebhookEvents]()}
	registry["acknowledgeWebhookEvent"] = specOp{method: "Webhooks.Ack", args: []string{"id", "event_id"}, body: reflect.TypeFor[creem.AckWebhookEventParams](), result: reflect.TypeFor[creem.WebhookEventAck]()}

	familyWireCases = append(familyWireCases, webhookWireCases)
	wholeNumbers["creem.AckWebhookEventParams.StatusCode"] = "an HTTP status code"

	for name, decode := range map[string]func([]byte) (any, error){
		"webhook_endpoint.json":         decodeAs[creem.WebhookEndpoint],
		"webhook_endpoint_cli.json":     decodeAs[creem.WebhookEndpoint],
		"webhook_endpoint_created.json": decodeAs[creem.WebhookEndpoint],
		"webhook_endpoint_list.json":    decodeAs[creem.Page[creem.WebhookEndpoint]],
		"webhook_endpoint_secret.json":  decodeAs[creem.WebhookEndpointSecret],
		"webhooks_ack.json":             decodeAs[creem.WebhookEventAck],
		"webhooks_pending.json":         decodeAs[creem.PendingWebhookEvents],
	} {
		decodedFixtures[name] = decode
	}
}

func webhookWireCases() []wireCase {
	const id = webhookEndpointID
	return []wireCase{
		{
			name: "Webhooks.Create",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{
					URL: "https://example.com/webhooks/creem", Name: "Production billing events",
					Events: []creem.EventType{creem.EventCheckoutCompleted, creem.EventSubscriptionPaid},
				})
			},
			method: http.MethodPost, path: "/v1/webhooks", golden: "webhooks_create.json", fixture: "webhook_endpoint_created.json",
			check: func(t *testing.T, out any) {
				ep := out.(*creem.WebhookEndpoint)
				assert.Equal(t, id, ep.ID)
				assert.Equal(t, creem.WebhookSecret(fixtureSecret), ep.Secret, "create returns the secret")
				assert.Equal(t, fixtureSecret, string(ep.Secret))
				assert.Equal(t, []creem.EventType{creem.EventCheckoutCompleted, creem.EventSubscriptionPaid}, ep.Events)
				assert.Equal(t, "sto_1234567890", ep.StoreID)
			},
		},
		{
			name: "Webhooks.Create cli",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{
					DeliveryMode: creem.WebhookDeliveryCLI, Name: "creem listen", Events: []creem.EventType{creem.EventCheckoutCompleted},
				})
			},
			method: http.MethodPost, path: "/v1/webhooks", golden: "webhooks_create_cli.json", fixture: "webhook_endpoint_cli.json",
		},
		{
			name:   "Webhooks.Get",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Webhooks.Get(ctx, id) },
			method: http.MethodGet, path: "/v1/webhooks/" + id, fixture: "webhook_endpoint.json",
			check: func(t *testing.T, out any) {
				ep := out.(*creem.WebhookEndpoint)
				assert.Equal(t, "Production billing events", *ep.Name)
				assert.Equal(t, creem.WebhookDeliveryHTTP, ep.DeliveryMode)
				assert.Equal(t, creem.WebhookStatusEnabled, ep.Status)
				assert.Empty(t, ep.Secret)
			},
		},
		{
			name: "Webhooks.Get escapes the ID",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Webhooks.Get(ctx, "wh/1?x")
			},
			method: http.MethodGet, path: "/v1/webhooks/wh%2F1%3Fx", fixture: "webhook_endpoint.json",
		},
		{
			name: "Webhooks.List",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Webhooks.List(ctx, &creem.ListWebhookEndpointsParams{ListParams: creem.ListParams{PageNumber: 2, PageSize: 20}})
			},
			method: http.MethodGet, path: "/v1/webhooks", rawQuery: "page_number=2&page_size=20", fixture: "webhook_endpoint_list.json",
			check: func(t *testing.T, out any) {
				page := out.(*creem.Page[creem.WebhookEndpoint])
				require.Len(t, page.Items, 2)
				assert.Nil(t, page.Items[1].Name)
				assert.Equal(t, creem.WebhookDeliveryCLI, page.Items[1].DeliveryMode)
				assert.Empty(t, page.Items[1].Events)
			},
		},
		{
			name: "Webhooks.Update",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Webhooks.Update(ctx, id, &creem.UpdateWebhookEndpointParams{
					URL: "https://example.com/webhooks/v2?src=creem&v=2", Name: creem.Null[string](),
					Status: creem.WebhookStatusDisabled, Events: []creem.EventType{},
				})
			},
			method: http.MethodPatch, path: "/v1/webhooks/" + id, golden: "webhooks_update.json", fixture: "webhook_endpoint_cli.json",
			check: func(t *testing.T, out any) {
				ep := out.(*creem.WebhookEndpoint)
				assert.Equal(t, creem.WebhookStatusDisabled, ep.Status)
				assert.Nil(t, ep.Name)
			},
		},
		{
			name: "Webhooks.Update name only",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Webhooks.Update(ctx, id, &creem.UpdateWebhookEndpointParams{Name: creem.Value("Billing")})
			},
			method: http.MethodPatch, path: "/v1/webhooks/" + id, golden: "webhooks_update_name.json", fixture: "webhook_endpoint.json",
		},
		{
			name:   "Webhooks.Delete",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Webhooks.Delete(ctx, id) },
			method: http.MethodDelete, path: "/v1/webhooks/" + id, fixture: "webhook_endpoint.json",
		},
		{
			name:   "Webhooks.Secret",
			call:   func(ctx context.Context, c *creem.Client) (any, error) { return c.Webhooks.Secret(ctx, id) },
			method: http.MethodGet, path: "/v1/webhooks/" + id + "/secret", fixture: "webhook_endpoint_secret.json",
			check: func(t *testing.T, out any) {
				assert.Equal(t, fixtureSecret, string(out.(*creem.WebhookEndpointSecret).Secret))
			},
		},
		{
			name: "Webhooks.ListPending",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Webhooks.ListPending(ctx, id, &creem.ListPendingWebhookEventsParams{Limit: 100})
			},
			method: http.MethodGet, path: "/v1/webhooks/" + id + "/events/pending", rawQuery: "limit=100", fixture: "webhooks_pending.json",
			check: func(t *testing.T, out any) {
				feed := out.(*creem.PendingWebhookEvents)
				require.Len(t, feed.Items, 2)
				ev := feed.Items[0]
				assert.Equal(t, "evt_5Xb2mQ7vN1pLk9RtYw3zA", ev.ID)
				assert.Equal(t, creem.EventCheckoutCompleted, ev.EventType)
				assert.Equal(t, "2026-09-17T08:00:00Z", ev.CreatedAt.UTC().Format("2006-01-02T15:04:05Z07:00"))
				// The body is the delivery's exact text: JSON escapes inside it survive as they are.
				assert.Equal(t, `{"id":"evt_5Xb2mQ7vN1pLk9RtYw3zA","eventType":"checkout.completed","created_at":1758096000000,"object":{"id":"ch_4l0N34kxo16AhRKUHFUuXr","note":"café \"quoted\" \u2028"}}`, ev.Body)
				assert.Equal(t, "application/json", ev.Headers["Content-Type"])
				assert.Len(t, feed.Items[1].Headers, 5)
				assert.Equal(t, "msg_evt_2Hq7Lm4Tz9Rb1Vy6Pk3Xc8", feed.Items[1].Headers["webhook-id"])
			},
		},
		{
			name: "Webhooks.ListPending default limit",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Webhooks.ListPending(ctx, id, nil)
			},
			method: http.MethodGet, path: "/v1/webhooks/" + id + "/events/pending", fixture: "webhooks_pending.json",
		},
		{
			name: "Webhooks.Ack",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Webhooks.Ack(ctx, id, "evt_5Xb2mQ7vN1pLk9RtYw3zA", &creem.AckWebhookEventParams{StatusCode: 500, ResponseBody: "<h1>Internal Server Error</h1>"})
			},
			method: http.MethodPost, path: "/v1/webhooks/" + id + "/events/evt_5Xb2mQ7vN1pLk9RtYw3zA/ack", golden: "webhooks_ack.json", fixture: "webhooks_ack.json",
			check: func(t *testing.T, out any) {
				assert.Equal(t, &creem.WebhookEventAck{ID: "evt_5Xb2mQ7vN1pLk9RtYw3zA", Object: "webhook_event", Success: false}, out)
			},
		},
		{
			name: "Webhooks.Ack status only",
			call: func(ctx context.Context, c *creem.Client) (any, error) {
				return c.Webhooks.Ack(ctx, id, "evt_5Xb2mQ7vN1pLk9RtYw3zA", &creem.AckWebhookEventParams{StatusCode: 204})
			},
			method: http.MethodPost, path: "/v1/webhooks/" + id + "/events/evt_5Xb2mQ7vN1pLk9RtYw3zA/ack", golden: "webhooks_ack_status_only.json", fixture: "webhooks_ack.json",
		},
	}
}

func TestDecodeWebhookEndpointFixtures(t *testing.T) {
	for _, name := range []string{"webhook_endpoint.json", "webhook_endpoint_created.json", "webhook_endpoint_cli.json"} {
		decodeStrict[creem.WebhookEndpoint](t, fixture(t, name))
	}
	decodeStrict[creem.Page[creem.WebhookEndpoint]](t, fixture(t, "webhook_endpoint_list.json"))
	decodeStrict[creem.WebhookEndpointSecret](t, fixture(t, "webhook_endpoint_secret.json"))
	decodeStrict[creem.PendingWebhookEvents](t, fixture(t, "webhooks_pending.json"))
	decodeStrict[creem.WebhookEventAck](t, fixture(t, "webhooks_ack.json"))

	// Encoding an endpoint keeps everything but the secret; one without a secret encodes as it was.
	ep := decodeStrict[creem.WebhookEndpoint](t, fixture(t, "webhook_endpoint_created.json"))
	out, err := json.Marshal(ep)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"secret":"[redacted]"`)
	assert.NotContains(t, string(out), fixtureSecret)
	var back creem.WebhookEndpoint
	require.NoError(t, json.Unmarshal(out, &back))
	back.Secret = ep.Secret
	assert.Equal(t, *ep, back)
	plain := decodeStrict[creem.WebhookEndpoint](t, fixture(t, "webhook_endpoint.json"))
	out, err = json.Marshal(plain)
	require.NoError(t, err)
	assert.NotContains(t, string(out), "secret")
}

func TestWebhooksInvalidParamsAreRefusedBeforeSending(t *testing.T) {
	cases := []struct {
		field string
		call  func(ctx context.Context, c *creem.Client) error
	}{
		{"params", func(ctx context.Context, c *creem.Client) error { _, err := c.Webhooks.Create(ctx, nil); return err }},
		{"url", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{Name: "no url"})
			return err
		}},
		{"url", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{DeliveryMode: creem.WebhookDeliveryHTTP})
			return err
		}},
		{"url", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{URL: "example.com/hook"})
			return err
		}},
		{"url", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{URL: "ftp://example.com/hook"})
			return err
		}},
		{"id", func(ctx context.Context, c *creem.Client) error { _, err := c.Webhooks.Get(ctx, ""); return err }},
		{"id", func(ctx context.Context, c *creem.Client) error { _, err := c.Webhooks.Get(ctx, ".."); return err }},
		{"id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.Update(ctx, " ", &creem.UpdateWebhookEndpointParams{})
			return err
		}},
		{"params", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.Update(ctx, "wh_1", nil)
			return err
		}},
		{"url", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.Update(ctx, "wh_1", &creem.UpdateWebhookEndpointParams{URL: "/relative"})
			return err
		}},
		{"id", func(ctx context.Context, c *creem.Client) error { _, err := c.Webhooks.Delete(ctx, "."); return err }},
		{"id", func(ctx context.Context, c *creem.Client) error { _, err := c.Webhooks.Secret(ctx, ""); return err }},
		{"id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.ListPending(ctx, "", nil)
			return err
		}},
		{"limit", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.ListPending(ctx, "wh_1", &creem.ListPendingWebhookEventsParams{Limit: 101})
			return err
		}},
		{"limit", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.ListPending(ctx, "wh_1", &creem.ListPendingWebhookEventsParams{Limit: -1})
			return err
		}},
		{"id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.Ack(ctx, "", "evt_1", &creem.AckWebhookEventParams{StatusCode: 200})
			return err
		}},
		{"event_id", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.Ack(ctx, "wh_1", "..", &creem.AckWebhookEventParams{StatusCode: 200})
			return err
		}},
		{"params", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.Ack(ctx, "wh_1", "evt_1", nil)
			return err
		}},
		{"status_code", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.Ack(ctx, "wh_1", "evt_1", &creem.AckWebhookEventParams{})
			return err
		}},
		{"status_code", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.Ack(ctx, "wh_1", "evt_1", &creem.AckWebhookEventParams{StatusCode: 99})
			return err
		}},
		{"status_code", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.Ack(ctx, "wh_1", "evt_1", &creem.AckWebhookEventParams{StatusCode: 600})
			return err
		}},
	}
	srv, rec := newServer(t, serveJSON(http.StatusOK, []byte(`{}`)))
	c := newClient(t, srv.URL)
	for _, tc := range cases {
		err := tc.call(context.Background(), c)
		var pe *creem.InvalidParamsError
		require.ErrorAs(t, err, &pe, tc.field)
		assert.Equal(t, tc.field, pe.Field)
		assert.ErrorIs(t, err, creem.ErrInvalidParams)
	}
	assert.Zero(t, rec.count(), "no request may reach the server")

	// The bounds themselves are accepted.
	_, err := c.Webhooks.ListPending(context.Background(), "wh_1", &creem.ListPendingWebhookEventsParams{Limit: 1})
	require.NoError(t, err)
	_, err = c.Webhooks.Ack(context.Background(), "wh_1", "evt_1", &creem.AckWebhookEventParams{StatusCode: 599})
	require.NoError(t, err)
	_, err = c.Webhooks.Create(context.Background(), &creem.CreateWebhookEndpointParams{DeliveryMode: creem.WebhookDeliveryCLI})
	require.NoError(t, err, "a cli endpoint needs no url")
	assert.Equal(t, 3, rec.count())
}

// Ack cuts the response body to 10,000 characters as JavaScript counts them, between characters,
// and leaves the caller's params alone.
func TestAckTruncatesTheResponseBody(t *testing.T) {
	srv, rec := newServer(t, serveJSON(http.StatusOK, fixture(t, "webhooks_ack.json")))
	c := newClient(t, srv.URL)
	for _, tc := range []struct{ in, want string }{
		{strings.Repeat("a", 10000), strings.Repeat("a", 10000)},
		{strings.Repeat("a", 10001), strings.Repeat("a", 10000)},
		{strings.Repeat("é", 10001), strings.Repeat("é", 10000)},     // 2 bytes, 1 unit
		{strings.Repeat("a", 9999) + "😀", strings.Repeat("a", 9999)}, // 😀 is 2 units: it would be the 10,001st
		{strings.Repeat("😀", 5000) + "b", strings.Repeat("😀", 5000)}, // exactly 10,000 units
		{strings.Repeat("€", 3334) + strings.Repeat("x", 7000), strings.Repeat("€", 3334) + strings.Repeat("x", 6666)},
	} {
		p := &creem.AckWebhookEventParams{StatusCode: 200, ResponseBody: tc.in}
		_, err := c.Webhooks.Ack(context.Background(), "wh_1", "evt_1", p)
		require.NoError(t, err)
		assert.Equal(t, tc.in, p.ResponseBody, "the caller's params are not modified")
		reqs := rec.all()
		var sent creem.AckWebhookEventParams
		require.NoError(t, json.Unmarshal(reqs[len(reqs)-1].Body, &sent))
		assert.Equal(t, tc.want, sent.ResponseBody)
	}
}

// Reads and Ack are retried after a 503; Create, Update and Delete are not.
func TestWebhooksRetrySafety(t *testing.T) {
	for _, tc := range []struct {
		name    string
		safe    bool
		fixture string
		call    func(ctx context.Context, c *creem.Client) error
	}{
		{"Get", true, "webhook_endpoint.json", func(ctx context.Context, c *creem.Client) error { _, err := c.Webhooks.Get(ctx, "wh_1"); return err }},
		{"List", true, "webhook_endpoint_list.json", func(ctx context.Context, c *creem.Client) error { _, err := c.Webhooks.List(ctx, nil); return err }},
		{"Secret", true, "webhook_endpoint_secret.json", func(ctx context.Context, c *creem.Client) error { _, err := c.Webhooks.Secret(ctx, "wh_1"); return err }},
		{"ListPending", true, "webhooks_pending.json", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.ListPending(ctx, "wh_1", nil)
			return err
		}},
		{"Ack", true, "webhooks_ack.json", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.Ack(ctx, "wh_1", "evt_1", &creem.AckWebhookEventParams{StatusCode: 200})
			return err
		}},
		{"Create", false, "webhook_endpoint_created.json", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.Create(ctx, &creem.CreateWebhookEndpointParams{URL: "https://example.com/hook"})
			return err
		}},
		{"Update", false, "webhook_endpoint.json", func(ctx context.Context, c *creem.Client) error {
			_, err := c.Webhooks.Update(ctx, "wh_1", &creem.UpdateWebhookEndpointParams{Status: creem.WebhookStatusDisabled})
			return err
		}},
		{"Delete", false, "webhook_endpoint.json", func(ctx context.Context, c *creem.Client) error { _, err := c.Webhooks.Delete(ctx, "wh_1"); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, rec := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
				if n == 1 {
					writeJSON(w, http.StatusServiceUnavailable, []byte(`{"error":{"type":"api_error","code":null,"message":"Unavailable","param":null,"request_id":"req_1"}}`))
					return
				}
				writeJSON(w, http.StatusOK, fixture(t, tc.fixture))
			})
			c := newClient(t, srv.URL)
			err := tc.call(context.Background(), c)
			if tc.safe {
				require.NoError(t, err)
				assert.Equal(t, 2, rec.count())
				return
			}
			assert.ErrorIs(t, err, creem.ErrServer)
			assert.Equal(t, 1, rec.count(), "a write that may have taken effect is not repeated")
		})
	}
}

// The signing secret shows in no formatted output and no log line, whatever holds it.
func TestWebhookSecretIsRedacted(t *testing.T) {
	ep := decodeStrict[creem.WebhookEndpoint](t, fixture(t, "webhook_endpoint_created.json"))
	require.Equal(t, fixtureSecret, string(ep.Secret))
	sec := &creem.WebhookEndpointSecret{Secret: ep.Secret}
	type userConfig struct { // a struct of the user's that keeps the secret
		Secret creem.WebhookSecret
		Port   int
	}
	values := map[string]any{
		"secret": ep.Secret, "*secret": &ep.Secret, "endpoint": *ep, "*endpoint": ep,
		"secret result": *sec, "*secret result": sec, "user struct": userConfig{ep.Secret, 8080},
		"slice": []creem.WebhookSecret{ep.Secret}, "map": map[string]creem.WebhookSecret{"k": ep.Secret},
	}
	var outputs []string
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s"} {
			s := fmt.Sprintf(verb, v)
			outputs = append(outputs, name+" "+verb+": "+s)
		}
		outputs = append(outputs, name+" Sprint: "+fmt.Sprint(v), name+" Sprintln: "+fmt.Sprintln(v))
	}
	for name, v := range values {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		outputs = append(outputs, name+" JSON: "+string(b))
	}
	var text, jsonLogs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&text, nil), slog.NewJSONHandler(&jsonLogs, nil)} {
		log := slog.New(h)
		log.Info("created", "endpoint", ep, "secret", ep.Secret, "result", sec, "value", *ep, "result value", *sec)
		log.Info("created", slog.Any("endpoint", ep), slog.Any("secret", ep.Secret), slog.Group("g", "s", ep.Secret))
		log.With("secret", ep.Secret).Info("with")
		log.Info("user struct", "config", userConfig{ep.Secret, 8080})
	}
	outputs = append(outputs, text.String(), jsonLogs.String())
	for _, out := range outputs {
		assert.NotContains(t, out, fixtureSecret, out)
		assert.NotContains(t, out, strings.TrimPrefix(fixtureSecret, "whsec_"), out)
		assert.NotContains(t, out, "4qVt8Z", out)
		assert.NotContains(t, out, fmt.Sprintf("%x", fixtureSecret), out)
	}
	// The redaction is visible, and the rest is not lost.
	assert.Equal(t, "[redacted]", fmt.Sprint(ep.Secret))
	assert.Equal(t, `"[redacted]"`, fmt.Sprintf("%q", ep.Secret))
	assert.Equal(t, `""`, fmt.Sprint(creem.WebhookSecret("")), "an empty secret shows as empty")
	assert.Contains(t, fmt.Sprintf("%+v", ep), "ID:"+webhookEndpointID)
	assert.Contains(t, fmt.Sprintf("%+v", ep), "Secret:[redacted]")
	assert.Contains(t, fmt.Sprintf("%#v", ep), `Secret:creem.WebhookSecret("[redacted]")`)
	assert.Contains(t, jsonLogs.String(), `"id":"`+webhookEndpointID+`"`)
	assert.Contains(t, text.String(), "secret=[redacted]")
}
