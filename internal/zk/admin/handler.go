package admin

import (
	"io"
	"net/http"
	"strings"
)

// NewHandler serves the AdminServer under urlPrefix (admin.commandURL,
// "/commands" by default) as JettyAdminServer's CommandServlet does:
//
//   - <prefix> and <prefix>/ list the commands as links (no Content-Type,
//     as Jetty sends it);
//   - GET (and HEAD) <prefix>/<name>?k=v runs a command and answers its
//     JSON with the command's status: 200 even for an unknown command;
//   - POST runs the POST-only commands (restore); other commands answer 405
//     where ZooKeeper fails with a NullPointerException;
//   - other methods answer 405, paths outside the prefix 404.
//
// view is called once per request that reads the server's figures; resets
// applies crst, srst and stmk and may be nil.
func NewHandler(urlPrefix string, view func() *View, resets Resets) http.Handler {
	return &handler{prefix: strings.TrimSuffix(urlPrefix, "/"), view: view, resets: resets}
}

type handler struct {
	prefix string
	view   func() *View
	resets Resets
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, h.prefix)
	if !ok || (rest != "" && rest[0] != '/') {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "HTTP method "+r.Method+" is not supported by this URL", http.StatusMethodNotAllowed)
		return
	}
	if rest == "" || rest == "/" {
		// Jetty sends the list without a Content-Type; a nil entry keeps Go
		// from sniffing one.
		w.Header()["Content-Type"] = nil
		io.WriteString(w, h.links())
		return
	}
	req := Request{
		Name:          rest[1:],
		Args:          map[string]string{},
		Post:          r.Method == http.MethodPost,
		Authorization: r.Header.Get("Authorization"),
	}
	if !req.Post {
		for k, vs := range r.URL.Query() {
			if len(vs) > 0 {
				req.Args[k] = vs[0]
			}
		}
	}
	resp, _ := execute(req, h.view, h.resets)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.Status)
	io.WriteString(w, resp.JSON())
}

// links is the command list: a link and "<br/>" per primary name, each on
// its own line.
func (h *handler) links() string {
	var b strings.Builder
	for _, n := range PrimaryNames() {
		b.WriteString(`<a href="` + h.prefix + "/" + n + `">` + n + "</a>\n<br/>\n")
	}
	return b.String()
}
