package media

// MP3FrameLen is mp3FrameLen, for the fuzz test.
var MP3FrameLen = mp3FrameLen
