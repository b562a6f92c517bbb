package demo

import (
	"fmt"
	"slices"
	"strings"
)

// skeleton is the first commit of a new service's repository.
type skeleton struct {
	Name, Language, Team string
	Replicas             int
}

// languages the skeleton knows, with their main file.
var mainFiles = map[string]string{"go": "main.go", "python": "app.py", "typescript": "src/index.ts"}

// replicasFile is where a service's replica count lives in its repository.
const replicasFile = "deploy/replicas.yaml"

func (sk skeleton) files() (map[string]string, error) {
	if err := checkLanguage("language", sk.Language); err != nil {
		return nil, err
	}
	main := mainFiles[sk.Language]
	files := map[string]string{
		"README.md":  sk.readme(main),
		replicasFile: replicasYAML(sk.Name, sk.Replicas),
	}
	switch sk.Language {
	case "go":
		files["go.mod"] = "module example.com/" + sk.Name + "\n\ngo 1.22\n"
		files[main] = `package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello from ` + sk.Name + `")
	})
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
`
		files["Dockerfile"] = `FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /service .

FROM gcr.io/distroless/static
COPY --from=build /service /service
ENTRYPOINT ["/service"]
`
	case "python":
		files[main] = `import os
from http.server import BaseHTTPRequestHandler, HTTPServer


class Hello(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello from ` + sk.Name + `\n")


if __name__ == "__main__":
    HTTPServer(("", int(os.environ.get("PORT", "8080"))), Hello).serve_forever()
`
		files["Dockerfile"] = `FROM python:3.12-slim
WORKDIR /app
COPY . .
CMD ["python", "app.py"]
`
	case "typescript":
		files["package.json"] = `{
  "name": "` + sk.Name + `",
  "private": true,
  "scripts": {"build": "tsc --outDir dist src/index.ts", "start": "node dist/index.js"},
  "devDependencies": {"typescript": "^5.4.0", "@types/node": "^20.0.0"}
}
`
		files[main] = `import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 8080);
createServer((_req, res) => res.end("hello from ` + sk.Name + `\n")).listen(port);
`
		files["Dockerfile"] = `FROM node:20-slim
WORKDIR /app
COPY . .
RUN npm install && npm run build
CMD ["npm", "start"]
`
	}
	return files, nil
}

// checkLanguage says, naming field, when the skeleton does not know lang.
func checkLanguage(field, lang string) error {
	if _, ok := mainFiles[lang]; ok {
		return nil
	}
	known := make([]string, 0, len(mainFiles))
	for l := range mainFiles {
		known = append(known, l)
	}
	slices.Sort(known)
	return fmt.Errorf("%s: %q is not one of %s", field, lang, strings.Join(known, ", "))
}

func (sk skeleton) readme(main string) string {
	team := sk.Team
	if team == "" {
		team = "(none yet)"
	}
	return fmt.Sprintf(`# %s

A %s service owned by team %s, scaffolded by Slipway's demo.

- %s: the service
- Dockerfile: its image
- %s: how many replicas run; the "Change replica count" action commits here
`, sk.Name, sk.Language, team, "`"+main+"`", "`"+replicasFile+"`")
}

func (sk skeleton) commitMessage() string {
	msg := fmt.Sprintf("Scaffold %s (%s)", sk.Name, sk.Language)
	if sk.Team != "" {
		msg += " for team " + sk.Team
	}
	return msg
}

func replicasYAML(service string, n int) string {
	return fmt.Sprintf("# Replicas of %s. Slipway's \"Change replica count\" action commits here.\nservice: %s\nreplicas: %d\n", service, service, n)
}
