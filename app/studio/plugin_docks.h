#pragma once
// Panels that plugins contribute (krait/engine/plugins.h), each in a dock of the window; a file of a panel's
// data kind (a waveform, a slide) that the window is asked to open goes to that panel instead of the views.
#include <QObject>
#include <QString>

#include <filesystem>
#include <map>
#include <string>

class QDockWidget;
class QMainWindow;

namespace krait::studio {

class PluginDocks : public QObject {
  Q_OBJECT
 public:
  // Creates every plugin panel in a dock of `window`; a panel whose plugin fails is left out and said in
  // errors().
  explicit PluginDocks(QMainWindow* window);
  QDockWidget* dock(const std::string& panelId) const;
  const QString& errors() const { return errors_; }
  // True when a plugin panel took the file: shown, raised and given most of the window (a waveform or a slide is
  // the document then, not the volume views); throws krait::Error when it fails to show it.
  bool open(const std::filesystem::path& file);

 private:
  struct Dock {
    QDockWidget* dock;
    void* widget;
  };
  QMainWindow* window_;
  std::map<std::string, Dock> docks_;
  QString errors_;
};

}  // namespace krait::studio
