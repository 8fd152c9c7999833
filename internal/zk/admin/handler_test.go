package admin

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	r := &recorder{}
	views := 0
	srv := httptest.NewServer(NewHandler("/commands", func() *View { views++; return adminFixture() }, r))
	defer srv.Close()

	links := readTestdata(t, "zk38/admin/commands.html")
	// 3.9 adds restore and snapshot to 3.8.0's list.
	links = strings.Replace(links, `<a href="/commands/ruok">`, `<a href="/commands/restore">restore</a>`+"\n<br/>\n"+`<a href="/commands/ruok">`, 1)
	links = strings.Replace(links, `<a href="/commands/stat_reset">`, `<a href="/commands/snapshot">snapshot</a>`+"\n<br/>\n"+`<a href="/commands/stat_reset">`, 1)

	tests := []struct {
		method, path, auth string
		status             int
		ctype              string
		body               string
	}{
		{"GET", "/commands", "", 200, "", links},
		{"GET", "/commands/", "", 200, "", links},
		{"POST", "/commands", "", 200, "", links},
		{"GET", "/commands/ruok", "", 200, "application/json", readTestdata(t, "zk38/admin/ruok.json")},
		{"GET", "/commands/nosuchcmd", "", 200, "application/json", readTestdata(t, "zk38/admin/nosuchcmd.json")},
		{"GET", "/commands/stmk?traceMask=306", "", 200, "application/json", readTestdata(t, "zk38/admin/set_trace_mask.json")},
		{"GET", "/commands/srst", "", 200, "application/json", readTestdata(t, "zk38/admin/stat_reset.json")},
		{"GET", "/commands/connections", "", 200, "application/json", readTestdata(t, "zk38/admin/connections.json")},
		{"GET", "/commands/snapshot", "", 401, "application/json", "{\n  \"command\" : \"snapshot\",\n  \"error\" : \"Auth info is missing for the command\"\n}"},
		{"POST", "/commands/restore", "digest u:p", 503, "application/json", "{\n  \"command\" : \"restore\",\n  \"error\" : null\n}"},
		{"POST", "/commands/ruok", "", 405, "application/json", "{\n  \"command\" : \"ruok\",\n  \"error\" : \"HTTP method POST is not supported by this URL\"\n}"},
		{"HEAD", "/commands/ruok", "", 200, "application/json", ""},
		{"PUT", "/commands/ruok", "", 405, "text/plain; charset=utf-8", "HTTP method PUT is not supported by this URL\n"},
		{"GET", "/other", "", 404, "text/plain; charset=utf-8", "404 page not found\n"},
		{"GET", "/commandsx", "", 404, "text/plain; charset=utf-8", "404 page not found\n"},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != tt.ctype || string(body) != tt.body {
			t.Errorf("%s %s: %d %q\n%s\nwant %d %q\n%s", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), body, tt.status, tt.ctype, tt.body)
		}
	}
	if want := "stmk 306 srst"; strings.Join(r.calls, " ") != want {
		t.Errorf("resets %v, want %s", r.calls, want)
	}
	if views == 0 {
		t.Error("the view was never built")
	}
}

// FuzzExecute feeds arbitrary command names, arguments and credentials:
// every request gets a JSON answer and nothing panics.
func FuzzExecute(f *testing.F) {
	f.Add("stmk", "306", "")
	f.Add("snapshot", "", "digest a:b")
	f.Add("rest", "", "ip x y")
	f.Add("\x00\"\\", "+-1", " ")
	f.Fuzz(func(t *testing.T, name, mask, auth string) {
		for _, post := range []bool{false, true} {
			resp, _ := Execute(Request{Name: name, Args: map[string]string{"traceMask": mask}, Post: post, Authorization: auth}, adminFixture(), &recorder{})
			if resp == nil || resp.Status == 0 {
				t.Fatalf("no response for %q", name)
			}
			var m any
			if err := jsonUnmarshal(resp.JSON(), &m); err != nil {
				t.Fatalf("invalid JSON for %q: %v\n%s", name, err, resp.JSON())
			}
		}
	})
}
