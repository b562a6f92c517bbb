//go:build !slipway_lean

package devserver

import (
	"net"
	"reflect"
	"unsafe"

	"github.com/labstack/echo/v4"
	uiserver "github.com/temporalio/ui-server/v2/server"
)

// handListener makes the UI server serve on l, a listener already bound,
// instead of binding its port itself (and exiting the process when that
// port was taken in the meantime). The UI server keeps its echo server in
// an unexported field and echo serves on Echo.Listener when it is set; this
// reaches that field. It reports false when the UI server's shape changed,
// and the UI then binds its port itself as before.
func handListener(ui *uiserver.Server, l net.Listener) bool {
	field := reflect.ValueOf(ui).Elem().FieldByName("httpServer")
	if !field.IsValid() || field.Type() != reflect.TypeFor[*echo.Echo]() {
		return false
	}
	e := reflect.NewAt(field.Type(), unsafe.Pointer(field.UnsafeAddr())).Elem().Interface().(*echo.Echo)
	if e == nil {
		return false
	}
	e.Listener = l
	return true
}
