// Loaded first, before the body paints: tells the CSS that scripts run (the phone menu starts closed).
document.documentElement.classList.add("js");
