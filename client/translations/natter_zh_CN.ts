<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ApiClient</name>
    <message>
        <source>Cannot read %1.</source>
        <translation>无法读取 %1。</translation>
    </message>
    <message>
        <source>The server closed the connection. Check the address, and whether it needs a secure connection (TLS) with a certificate this computer trusts.</source>
        <translation>服务器关闭了连接。请检查地址，以及服务器是否需要安全连接（TLS）并使用本机信任的证书。</translation>
    </message>
    <message>
        <source>The server cannot be reached. Check the address and your connection.</source>
        <translation>无法连接到服务器。请检查地址和网络连接。</translation>
    </message>
    <message>
        <source>The server did not answer in time.</source>
        <translation>服务器响应超时。</translation>
    </message>
    <message>
        <source>Something went wrong.</source>
        <translation>出错了。</translation>
    </message>
    <message>
        <source>The connection to the server was lost.</source>
        <translation>与服务器的连接已断开。</translation>
    </message>
    <message>
        <source>The server is not available just now. Try again in a moment.</source>
        <translation>服务器暂时不可用，请稍后再试。</translation>
    </message>
    <message>
        <source>The request was cancelled.</source>
        <translation>请求已取消。</translation>
    </message>
    <message>
        <source>Something went wrong on the server. Try again in a moment.</source>
        <translation>服务器出错了，请稍后再试。</translation>
    </message>
    <message>
        <source>The server does not offer this (it may run an older version).</source>
        <translation>服务器不支持此功能（它可能运行的是旧版本）。</translation>
    </message>
    <message>
        <source>That is too large for the server.</source>
        <translation>内容太大，服务器无法接受。</translation>
    </message>
</context>
<context>
    <name>FileTransfers</name>
    <message>
        <source>the file changed or could not be read while it was being sent</source>
        <translation>文件在发送过程中被更改或无法读取</translation>
    </message>
    <message>
        <source>the file is larger than expected</source>
        <translation>文件比预期的大</translation>
    </message>
    <message>
        <source>the server sent more than the file&apos;s size</source>
        <translation>服务器发送的数据超过了文件大小</translation>
    </message>
    <message>
        <source>the file could not be written (is the disk full?)</source>
        <translation>无法写入文件（磁盘是否已满？）</translation>
    </message>
    <message>
        <source>the download was cut short</source>
        <translation>下载被中断</translation>
    </message>
    <message>
        <source>the file could not be saved as %1</source>
        <translation>无法将文件保存为 %1</translation>
    </message>
    <message>
        <source>%1 is empty</source>
        <translation>%1 是空文件</translation>
    </message>
    <message>
        <source>%1 cannot be read</source>
        <translation>无法读取 %1</translation>
    </message>
    <message>
        <source>%1 cannot be written</source>
        <translation>无法写入 %1</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <source>The transfer took too long and was stopped.</source>
        <translation>传输时间过长，已停止。</translation>
    </message>
    <message>
        <source>🖼 Photo</source>
        <translation>🖼 图片</translation>
    </message>
    <message>
        <source>1 byte</source>
        <translation>1 字节</translation>
    </message>
    <message>
        <source>%1 bytes</source>
        <translation>%1 字节</translation>
    </message>
    <message>
        <source>%1 KB</source>
        <translation>%1 KB</translation>
    </message>
    <message>
        <source>%1 MB</source>
        <translation>%1 MB</translation>
    </message>
</context>
<context>
    <name>QLineEdit</name>
    <message>
        <source>Show password</source>
        <translation>显示密码</translation>
    </message>
    <message>
        <source>Hide password</source>
        <translation>隐藏密码</translation>
    </message>
</context>
<context>
    <name>QPlatformTheme</name>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>&amp;Yes</source>
        <translation>是(&amp;Y)</translation>
    </message>
    <message>
        <source>&amp;No</source>
        <translation>否(&amp;N)</translation>
    </message>
</context>
<context>
    <name>Validation</name>
    <message>
        <source>Enter a username.</source>
        <translation>请输入用户名。</translation>
    </message>
    <message>
        <source>A username has 3 to 32 characters.</source>
        <translation>用户名须为 3 到 32 个字符。</translation>
    </message>
    <message>
        <source>A username may contain only letters, digits, &apos;_&apos;, &apos;.&apos; and &apos;-&apos;.</source>
        <translation>用户名只能包含字母、数字、“_”、“.”和“-”。</translation>
    </message>
    <message>
        <source>Enter a password.</source>
        <translation>请输入密码。</translation>
    </message>
    <message>
        <source>A password has at least 8 characters.</source>
        <translation>密码至少需要 8 个字符。</translation>
    </message>
    <message>
        <source>A password has at most 1024 bytes.</source>
        <translation>密码最多 1024 字节。</translation>
    </message>
    <message>
        <source>The password must not be the username.</source>
        <translation>密码不能与用户名相同。</translation>
    </message>
    <message>
        <source>Enter a display name.</source>
        <translation>请输入昵称。</translation>
    </message>
    <message>
        <source>A display name has at most 64 characters.</source>
        <translation>昵称最多 64 个字符。</translation>
    </message>
    <message>
        <source>A display name cannot contain control characters.</source>
        <translation>昵称不能包含控制字符。</translation>
    </message>
    <message>
        <source>Enter the server address, e.g. 127.0.0.1:2019.</source>
        <translation>请输入服务器地址，例如 127.0.0.1:2019。</translation>
    </message>
    <message>
        <source>Write the address as host:port, e.g. 127.0.0.1:2019.</source>
        <translation>地址格式为“主机:端口”，例如 127.0.0.1:2019。</translation>
    </message>
    <message>
        <source>The port is a number from 1 to 65535.</source>
        <translation>端口须为 1 到 65535 之间的数字。</translation>
    </message>
    <message>
        <source>Enter a room name.</source>
        <translation>请输入聊天室名称。</translation>
    </message>
    <message>
        <source>A room name has 2 to 32 characters.</source>
        <translation>聊天室名称须为 2 到 32 个字符。</translation>
    </message>
    <message>
        <source>A room name may contain only letters, digits, &apos;_&apos;, &apos;.&apos; and &apos;-&apos;.</source>
        <translation>聊天室名称只能包含字母、数字、“_”、“.”和“-”。</translation>
    </message>
    <message>
        <source>The message is too long: %1 bytes, at most %2 can be sent.</source>
        <translation>消息太长：%1 字节，最多只能发送 %2 字节。</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Natter desktop client</source>
        <translation>Natter 桌面客户端</translation>
    </message>
    <message>
        <source>Gateway address HOST:PORT (default: the last one used)</source>
        <translation>网关地址 主机:端口（默认：上次使用的地址）</translation>
    </message>
    <message>
        <source>address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Trust this CA certificate (PEM) for TLS; implies TLS</source>
        <translation>信任此 CA 证书（PEM）用于 TLS；同时启用 TLS</translation>
    </message>
    <message>
        <source>file</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Language of the window: %1, or system (default: the one picked in the window, else the system&apos;s)</source>
        <translation>界面语言：%1，或 system（默认：窗口中选择的语言，否则跟随系统）</translation>
    </message>
    <message>
        <source>language</source>
        <translation>语言</translation>
    </message>
</context>
<context>
    <name>natter::client::AddFriendDialog</name>
    <message>
        <source>Add a friend</source>
        <translation>添加好友</translation>
    </message>
    <message>
        <source>optional, e.g. &quot;Hi, it&apos;s Ann from the book club&quot;</source>
        <translation>可选，例如“你好，我是读书会的小安”</translation>
    </message>
    <message>
        <source>Send request</source>
        <translation>发送请求</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>附言</translation>
    </message>
</context>
<context>
    <name>natter::client::Attachments</name>
    <message>
        <source>Save as</source>
        <translation>另存为</translation>
    </message>
    <message>
        <source>Send files</source>
        <translation>发送文件</translation>
    </message>
    <message>
        <source>%1 is not a file (a folder cannot be sent).</source>
        <translation>%1 不是文件（不能发送文件夹）。</translation>
    </message>
    <message>
        <source>%1 is empty.</source>
        <translation>%1 是空文件。</translation>
    </message>
    <message>
        <source>%1 is too large to send: %2, at most %3 allowed.</source>
        <translation>%1 太大，无法发送：%2，最多允许 %3。</translation>
    </message>
    <message>
        <source>The pasted picture cannot be sent.</source>
        <translation>无法发送粘贴的图片。</translation>
    </message>
    <message>
        <source>The pasted picture is too large to send: %1, at most %2 allowed.</source>
        <translation>粘贴的图片太大，无法发送：%1，最多允许 %2。</translation>
    </message>
    <message>
        <source>%1 was not sent: %2</source>
        <translation>%1 未发送：%2</translation>
    </message>
    <message>
        <source>Downloading %1…</source>
        <translation>正在下载 %1…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Saved %1.</source>
        <translation>已保存 %1。</translation>
    </message>
    <message>
        <source>%1 was not saved: %2</source>
        <translation>%1 未保存：%2</translation>
    </message>
    <message>
        <source>Open a conversation first, then send the file there.</source>
        <translation>请先打开一个对话，再把文件发到那里。</translation>
    </message>
</context>
<context>
    <name>natter::client::Composer</name>
    <message>
        <source>Write a message…  (Enter sends, Shift+Enter for a new line)</source>
        <translation>输入消息…（Enter 发送，Shift+Enter 换行）</translation>
    </message>
</context>
<context>
    <name>natter::client::ContactDelegate</name>
    <message>
        <source>wants to be your friend</source>
        <translation>请求添加你为好友</translation>
    </message>
    <message>
        <source>wants to be your friend: %1</source>
        <translation>请求添加你为好友：%1</translation>
    </message>
    <message>
        <source>request sent</source>
        <translation>已发送请求</translation>
    </message>
    <message>
        <source>online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>away</source>
        <translation>离开</translation>
    </message>
    <message>
        <source>last seen %1</source>
        <translation>最后上线 %1</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>Accept</source>
        <translation>接受</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>拒绝</translation>
    </message>
</context>
<context>
    <name>natter::client::ContactModel</name>
    <message>
        <source>%1 wants to be your friend: %2</source>
        <translation>%1 请求添加你为好友：%2</translation>
    </message>
</context>
<context>
    <name>natter::client::ConversationModel</name>
    <message>
        <source>message deleted</source>
        <translation>消息已删除</translation>
    </message>
    <message>
        <source>You: %1</source>
        <translation>我：%1</translation>
    </message>
    <message>
        <source>📎 File</source>
        <translation>📎 文件</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>群组</translation>
    </message>
    <message>
        <source>%1 and %2</source>
        <translation>%1 和 %2</translation>
    </message>
    <message>
        <source>%1, %2 and %3</source>
        <translation>%1、%2 和 %3</translation>
    </message>
    <message numerus="yes">
        <source>%1, %2 and %n others</source>
        <translation>
            <numerusform>%1、%2 等 %n 人</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>natter::client::DesktopNotifier</name>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
</context>
<context>
    <name>natter::client::FriendPicker</name>
    <message>
        <source>Search friends</source>
        <translation>搜索好友</translation>
    </message>
    <message>
        <source>No friends to add</source>
        <translation>没有可添加的好友</translation>
    </message>
</context>
<context>
    <name>natter::client::GroupMembersDialog</name>
    <message>
        <source>Group members</source>
        <translation>群组成员</translation>
    </message>
    <message>
        <source>Title (empty: the members&apos; names)</source>
        <translation>群名称（留空则显示成员名字）</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <source>Add friends…</source>
        <translation>添加好友…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Leave group</source>
        <translation>退出群组</translation>
    </message>
    <message>
        <source>Leave this group? Only a member who is your friend can add you back.</source>
        <translation>要退出这个群组吗？只有是你好友的成员才能再把你加回来。</translation>
    </message>
    <message>
        <source>Add friends to the group</source>
        <translation>把好友加入群组</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
</context>
<context>
    <name>natter::client::ImageViewer</name>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>This picture cannot be shown.</source>
        <translation>无法显示这张图片。</translation>
    </message>
</context>
<context>
    <name>natter::client::MainWindow</name>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Away</source>
        <translation>离开</translation>
    </message>
    <message>
        <source>Invisible</source>
        <translation>隐身</translation>
    </message>
    <message>
        <source>Profile…</source>
        <translation>个人资料…</translation>
    </message>
    <message>
        <source>Sessions…</source>
        <translation>登录设备…</translation>
    </message>
    <message>
        <source>Change password…</source>
        <translation>修改密码…</translation>
    </message>
    <message>
        <source>Desktop notifications</source>
        <translation>桌面通知</translation>
    </message>
    <message>
        <source>Log out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Rooms…</source>
        <translation>聊天室…</translation>
    </message>
    <message>
        <source>Chats</source>
        <translation>聊天</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>发私信</translation>
    </message>
    <message>
        <source>Remove friend</source>
        <translation>删除好友</translation>
    </message>
    <message>
        <source>Accept</source>
        <translation>接受</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>拒绝</translation>
    </message>
    <message>
        <source>Cancel request</source>
        <translation>取消请求</translation>
    </message>
    <message>
        <source>Block</source>
        <translation>屏蔽</translation>
    </message>
    <message>
        <source>Add friend…</source>
        <translation>添加好友…</translation>
    </message>
    <message>
        <source>Contacts</source>
        <translation>联系人</translation>
    </message>
    <message>
        <source>Contacts (%1)</source>
        <translation>联系人（%1）</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Applies when Natter next starts</source>
        <translation>下次启动 Natter 时生效</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Pick a conversation on the left, or add a friend to talk to.</source>
        <translation>在左侧选择一个会话，或添加好友开始聊天。</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>成员</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Emoji</source>
        <translation>表情</translation>
    </message>
    <message>
        <source>Natter</source>
        <translation>Natter</translation>
    </message>
    <message>
        <source>Show Natter</source>
        <translation>显示 Natter</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Your session ended (%1). Sign in again.</source>
        <translation>你的会话已结束（%1）。请重新登录。</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>Reconnecting…</source>
        <translation>正在重新连接…</translation>
    </message>
    <message>
        <source>Reconnecting… (%1)</source>
        <translation>正在重新连接…（%1）</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>%1 in #%2</source>
        <translation>%1 在 #%2</translation>
    </message>
    <message>
        <source>Friend request</source>
        <translation>好友请求</translation>
    </message>
    <message>
        <source>%1 wants to be your friend</source>
        <translation>%1 请求添加你为好友</translation>
    </message>
    <message>
        <source>%1 wants to be your friend: %2</source>
        <translation>%1 请求添加你为好友：%2</translation>
    </message>
    <message>
        <source>%1 declined your friend request.</source>
        <translation>%1 拒绝了你的好友请求。</translation>
    </message>
    <message>
        <source>You and %1 are friends now.</source>
        <translation>你和 %1 已成为好友。</translation>
    </message>
    <message>
        <source>%1 removed you from %2</source>
        <translation>%1 将你移出了 %2</translation>
    </message>
    <message>
        <source>%1 is typing…</source>
        <translation>%1 正在输入…</translation>
    </message>
    <message>
        <source>Your first message starts the conversation.</source>
        <translation>发送第一条消息即可开始对话。</translation>
    </message>
    <message>
        <source>Not sent: %1</source>
        <translation>未发送：%1</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>正在发送…</translation>
    </message>
    <message>
        <source>Not sent yet: waiting for the connection…</source>
        <translation>尚未发送：正在等待连接…</translation>
    </message>
    <message>
        <source>%1 of %2 bytes</source>
        <translation>%1 / %2 字节</translation>
    </message>
    <message>
        <source>online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>away</source>
        <translation>离开</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message numerus="yes">
        <source>%n online</source>
        <translation>
            <numerusform>%n 人在线</numerusform>
        </translation>
    </message>
    <message>
        <source>Block %1?</source>
        <translation>屏蔽 %1？</translation>
    </message>
    <message>
        <source>%1 will not be able to message you or see your status.</source>
        <translation>%1 将无法给你发消息，也看不到你的状态。</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Delete message?</source>
        <translation>删除消息？</translation>
    </message>
    <message>
        <source>It will be shown as deleted to everyone.</source>
        <translation>所有人都会看到这条消息已被删除。</translation>
    </message>
    <message numerus="yes">
        <source>Natter: %n unread</source>
        <translation>
            <numerusform>Natter：%n 条未读</numerusform>
        </translation>
    </message>
    <message>
        <source>You signed out.</source>
        <translation>你已退出登录。</translation>
    </message>
    <message>
        <source>Cancel the reply (Esc)</source>
        <translation>取消回复 (Esc)</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>回复</translation>
    </message>
    <message>
        <source>Replying to %1</source>
        <translation>回复 %1</translation>
    </message>
    <message>
        <source>The quoted message is not in the history.</source>
        <translation>被引用的消息不在历史记录中。</translation>
    </message>
    <message>
        <source>Loading older messages…</source>
        <translation>正在加载更早的消息…</translation>
    </message>
    <message>
        <source>A message cannot be emptied: use Delete to remove it.</source>
        <translation>消息不能为空：要移除消息，请使用“删除”。</translation>
    </message>
    <message>
        <source>The message you were editing was deleted.</source>
        <translation>你正在编辑的消息已被删除。</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Editing message</source>
        <translation>编辑消息</translation>
    </message>
    <message>
        <source>Cancel editing (Esc)</source>
        <translation>取消编辑 (Esc)</translation>
    </message>
    <message>
        <source>React</source>
        <translation>回应</translation>
    </message>
    <message>
        <source>Mute for 1 hour</source>
        <translation>静音 1 小时</translation>
    </message>
    <message>
        <source>Mute for 8 hours</source>
        <translation>静音 8 小时</translation>
    </message>
    <message>
        <source>Mute until I unmute</source>
        <translation>静音，直到我取消</translation>
    </message>
    <message>
        <source>Unmute</source>
        <translation>取消静音</translation>
    </message>
    <message>
        <source>Notify me of</source>
        <translation>通知我</translation>
    </message>
    <message>
        <source>All messages</source>
        <translation>所有消息</translation>
    </message>
    <message>
        <source>Only @mentions</source>
        <translation>仅 @提及我的消息</translation>
    </message>
    <message>
        <source>Nothing</source>
        <translation>不通知</translation>
    </message>
    <message>
        <source>Muted</source>
        <translation>已静音</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>静音</translation>
    </message>
    <message>
        <source>Notifications for this conversation</source>
        <translation>此会话的通知</translation>
    </message>
    <message>
        <source>Muted until you unmute it</source>
        <translation>已静音，直到你取消静音</translation>
    </message>
    <message>
        <source>Muted until %1</source>
        <translation>静音至 %1</translation>
    </message>
    <message>
        <source>Search messages…</source>
        <translation>搜索消息…</translation>
    </message>
    <message>
        <source>That conversation is no longer in your list.</source>
        <translation>该会话已不在你的列表中。</translation>
    </message>
    <message>
        <source>Send a picture or file</source>
        <translation>发送图片或文件</translation>
    </message>
    <message>
        <source>sent a photo</source>
        <translation>发送了一张图片</translation>
    </message>
    <message>
        <source>sent a file: %1</source>
        <translation>发送了文件：%1</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <source>Pin</source>
        <translation>置顶</translation>
    </message>
    <message>
        <source>Unpin</source>
        <translation>取消置顶</translation>
    </message>
    <message>
        <source>Invitation</source>
        <translation>邀请</translation>
    </message>
    <message>
        <source>%1 invited you to #%2</source>
        <translation>%1 邀请你加入 #%2</translation>
    </message>
    <message>
        <source>%1 invited you to #%2: Rooms… to accept or decline.</source>
        <translation>%1 邀请你加入 #%2：在“聊天室…”中接受或拒绝。</translation>
    </message>
    <message>
        <source>Rooms… (1 invitation)</source>
        <translation>聊天室…（1 个邀请）</translation>
    </message>
    <message>
        <source>Rooms… (%1 invitations)</source>
        <translation>聊天室…（%1 个邀请）</translation>
    </message>
    <message>
        <source>New group…</source>
        <translation>新建群组…</translation>
    </message>
    <message>
        <source>%1 removed you from a group</source>
        <translation>%1 把你移出了一个群组</translation>
    </message>
    <message numerus="yes">
        <source>%n members</source>
        <translation>
            <numerusform>%n 位成员</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 in %2</source>
        <translation>%1 在 %2</translation>
    </message>
    <message>
        <source>Open a conversation to send a file to it</source>
        <translation>打开一个对话即可向其发送文件</translation>
    </message>
    <message>
        <source>The text for %1 was not sent either: %2</source>
        <translation>给 %1 的文字也未发送：%2</translation>
    </message>
</context>
<context>
    <name>natter::client::MembersDialog</name>
    <message>
        <source>#%1 — members</source>
        <translation>#%1 — 成员</translation>
    </message>
    <message>
        <source>Remove from room</source>
        <translation>移出聊天室</translation>
    </message>
    <message>
        <source>Make moderator</source>
        <translation>设为管理员</translation>
    </message>
    <message>
        <source>Topic</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Set topic</source>
        <translation>设置主题</translation>
    </message>
    <message>
        <source>Leave room</source>
        <translation>退出聊天室</translation>
    </message>
    <message>
        <source>%1 (owner)</source>
        <translation>%1（群主）</translation>
    </message>
    <message>
        <source>%1 (moderator)</source>
        <translation>%1（管理员）</translation>
    </message>
    <message>
        <source>online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>away</source>
        <translation>离开</translation>
    </message>
    <message>
        <source>Remove moderator</source>
        <translation>取消管理员</translation>
    </message>
    <message>
        <source>Username to invite</source>
        <translation>要邀请的用户名</translation>
    </message>
    <message>
        <source>Invite</source>
        <translation>邀请</translation>
    </message>
    <message>
        <source>Invited %1.</source>
        <translation>已邀请 %1。</translation>
    </message>
</context>
<context>
    <name>natter::client::MessageDelegate</name>
    <message>
        <source>edited</source>
        <translation>已编辑</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation>昨天</translation>
    </message>
    <message>
        <source>New messages</source>
        <translation>新消息</translation>
    </message>
    <message>
        <source>Deleted message</source>
        <translation>已删除的消息</translation>
    </message>
    <message>
        <source>%1 reacted with %2</source>
        <translation>%1 用 %2 回应了</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
</context>
<context>
    <name>natter::client::MessageModel</name>
    <message>
        <source>%1 created the room %2</source>
        <translation>%1 创建了聊天室 %2</translation>
    </message>
    <message>
        <source>%1 joined</source>
        <translation>%1 加入了聊天室</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>%1 离开了聊天室</translation>
    </message>
    <message>
        <source>%1 removed %2</source>
        <translation>%1 移除了 %2</translation>
    </message>
    <message>
        <source>%1 made %2 a moderator</source>
        <translation>%1 将 %2 设为管理员</translation>
    </message>
    <message>
        <source>%1 is no longer a moderator</source>
        <translation>%1 不再是管理员</translation>
    </message>
    <message>
        <source>%1 cleared the topic</source>
        <translation>%1 清除了主题</translation>
    </message>
    <message>
        <source>%1 set the topic: %2</source>
        <translation>%1 将主题设为：%2</translation>
    </message>
    <message>
        <source>%1 renamed the room to %2</source>
        <translation>%1 将聊天室改名为 %2</translation>
    </message>
    <message>
        <source>This message was deleted.</source>
        <translation>此消息已被删除。</translation>
    </message>
    <message>
        <source>%1 pinned a message</source>
        <translation>%1 置顶了一条消息</translation>
    </message>
    <message>
        <source>%1 unpinned a message</source>
        <translation>%1 取消置顶了一条消息</translation>
    </message>
    <message>
        <source>%1 pinned “%2”</source>
        <translation>%1 置顶了“%2”</translation>
    </message>
    <message>
        <source>%1 unpinned “%2”</source>
        <translation>%1 取消置顶了“%2”</translation>
    </message>
    <message>
        <source>%1 created the group</source>
        <translation>%1 创建了群组</translation>
    </message>
    <message>
        <source>%1 created the group %2</source>
        <translation>%1 创建了群组 %2</translation>
    </message>
    <message>
        <source>%1 added %2</source>
        <translation>%1 添加了 %2</translation>
    </message>
    <message>
        <source>%1 removed the group&apos;s title</source>
        <translation>%1 清除了群名称</translation>
    </message>
    <message>
        <source>%1 renamed the group to %2</source>
        <translation>%1 把群组改名为 %2</translation>
    </message>
</context>
<context>
    <name>natter::client::NewGroupDialog</name>
    <message>
        <source>New group</source>
        <translation>新建群组</translation>
    </message>
    <message>
        <source>Title (optional)</source>
        <translation>群名称（可选）</translation>
    </message>
    <message>
        <source>Pick 2 to 99 friends:</source>
        <translation>选择 2 到 99 位好友：</translation>
    </message>
    <message>
        <source>Create group</source>
        <translation>创建群组</translation>
    </message>
    <message>
        <source>A group has at most 100 people: pick up to 99 friends.</source>
        <translation>一个群组最多 100 人：最多选择 99 位好友。</translation>
    </message>
</context>
<context>
    <name>natter::client::PasswordDialog</name>
    <message>
        <source>Change password</source>
        <translation>修改密码</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>当前密码</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>新密码</translation>
    </message>
    <message>
        <source>New password again</source>
        <translation>确认新密码</translation>
    </message>
    <message>
        <source>Your other sessions will be signed out.</source>
        <translation>你在其他设备上的登录将被退出。</translation>
    </message>
    <message>
        <source>The new passwords differ.</source>
        <translation>两次输入的新密码不一致。</translation>
    </message>
    <message numerus="yes">
        <source>Your password was changed. %n other session(s) were signed out.</source>
        <translation>
            <numerusform>密码已修改。已退出 %n 个其他设备上的登录。</numerusform>
        </translation>
    </message>
    <message>
        <source>Your password was changed.</source>
        <translation>密码已修改。</translation>
    </message>
    <message>
        <source>Changing your password…</source>
        <translation>正在修改密码…</translation>
    </message>
</context>
<context>
    <name>natter::client::PinnedBar</name>
    <message>
        <source>All pinned messages</source>
        <translation>全部置顶消息</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>Pinned message</source>
        <translation>置顶消息</translation>
    </message>
    <message>
        <source>Pinned message %1 of %2</source>
        <translation>置顶消息 %1/%2</translation>
    </message>
    <message>
        <source>Show this message; the next click shows the next pinned one</source>
        <translation>显示这条消息；再次点击显示下一条置顶消息</translation>
    </message>
</context>
<context>
    <name>natter::client::ProfileDialog</name>
    <message>
        <source>Your profile</source>
        <translation>个人资料</translation>
    </message>
    <message>
        <source>Choose a picture…</source>
        <translation>选择头像…</translation>
    </message>
    <message>
        <source>Display name</source>
        <translation>昵称</translation>
    </message>
    <message>
        <source>Choose a picture</source>
        <translation>选择头像</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg)</source>
        <translation>图片 (*.png *.jpg *.jpeg)</translation>
    </message>
    <message>
        <source>The picture is larger than 512 KiB; choose a smaller one.</source>
        <translation>图片超过 512 KiB，请选择更小的图片。</translation>
    </message>
    <message>
        <source>The file cannot be read.</source>
        <translation>无法读取该文件。</translation>
    </message>
    <message>
        <source>That file is not a PNG or JPEG picture.</source>
        <translation>该文件不是 PNG 或 JPEG 图片。</translation>
    </message>
</context>
<context>
    <name>natter::client::RoomsDialog</name>
    <message>
        <source>Rooms</source>
        <translation>聊天室</translation>
    </message>
    <message>
        <source>Find a room by name</source>
        <translation>按名称查找聊天室</translation>
    </message>
    <message>
        <source>Join selected room</source>
        <translation>加入所选聊天室</translation>
    </message>
    <message>
        <source>New room</source>
        <translation>新聊天室</translation>
    </message>
    <message>
        <source>Topic</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Create room</source>
        <translation>创建聊天室</translation>
    </message>
    <message numerus="yes">
        <source>  · %n members</source>
        <translation>
            <numerusform>  · %n 名成员</numerusform>
        </translation>
    </message>
    <message>
        <source>  · joined</source>
        <translation>  · 已加入</translation>
    </message>
    <message>
        <source>Accept</source>
        <translation>接受</translation>
    </message>
    <message>
        <source>Decline</source>
        <translation>拒绝</translation>
    </message>
    <message>
        <source>Private: only those you invite can find and join it</source>
        <translation>私密：只有你邀请的人才能找到并加入</translation>
    </message>
    <message>
        <source>#%1, from %2</source>
        <translation>#%1，来自 %2</translation>
    </message>
    <message numerus="yes">
        <source>Invitations (%n)</source>
        <translation>
            <numerusform>邀请（%n）</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>natter::client::SearchDialog</name>
    <message>
        <source>Search messages</source>
        <translation>搜索消息</translation>
    </message>
    <message>
        <source>Words, &quot;a phrase&quot;, from:user, in:room, after:2026-01-31</source>
        <translation>词语、&quot;短语&quot;、from:用户、in:房间、after:2026-01-31</translation>
    </message>
    <message>
        <source>Every word must be in a message. &quot;quotes&quot; find words side by side; from:USER, in:ROOM or in:@USER narrow it down, and before:/after: take a date as YYYY-MM-DD.</source>
        <translation>消息须包含每个词。&quot;引号&quot;查找相邻的词；from:用户、in:房间 或 in:@用户 缩小范围，before:/after: 接受 YYYY-MM-DD 格式的日期。</translation>
    </message>
    <message>
        <source>More results</source>
        <translation>更多结果</translation>
    </message>
    <message>
        <source>Type something to search for.</source>
        <translation>请输入要搜索的内容。</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>正在搜索…</translation>
    </message>
    <message>
        <source>No messages found.</source>
        <translation>未找到消息。</translation>
    </message>
    <message numerus="yes">
        <source>%n message(s) found.</source>
        <translation>
            <numerusform>找到 %n 条消息。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The first %n messages found.</source>
        <translation>
            <numerusform>已显示找到的前 %n 条消息。</numerusform>
        </translation>
    </message>
    <message>
        <source>Open in %1</source>
        <translation>在 %1 中打开</translation>
    </message>
</context>
<context>
    <name>natter::client::SendFilesDialog</name>
    <message>
        <source>Send this file?</source>
        <translation>发送这个文件？</translation>
    </message>
    <message>
        <source>Send %1 files?</source>
        <translation>发送 %1 个文件？</translation>
    </message>
    <message>
        <source>and %1 more</source>
        <translation>以及另外 %1 个</translation>
    </message>
    <message>
        <source>With the text: %1</source>
        <translation>附带文字：%1</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
</context>
<context>
    <name>natter::client::SessionsDialog</name>
    <message>
        <source>Your sessions</source>
        <translation>登录设备</translation>
    </message>
    <message>
        <source>End selected session</source>
        <translation>退出所选设备的登录</translation>
    </message>
    <message>
        <source>%1 — last used %2</source>
        <translation>%1 — 最后使用于 %2</translation>
    </message>
    <message>
        <source> (this one)</source>
        <translation>（本机）</translation>
    </message>
</context>
<context>
    <name>natter::client::SignInWindow</name>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Find servers on this network</source>
        <translation>查找本网络中的服务器</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>optional; shown to your friends</source>
        <translation>可选；好友会看到</translation>
    </message>
    <message>
        <source>Display name</source>
        <translation>昵称</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Secure connection (TLS)</source>
        <translation>安全连接（TLS）</translation>
    </message>
    <message>
        <source>Remember me on this computer</source>
        <translation>在这台电脑上记住我</translation>
    </message>
    <message>
        <source>Looking for servers…</source>
        <translation>正在查找服务器…</translation>
    </message>
    <message>
        <source>Found %1 (%2).</source>
        <translation>找到 %1（%2）。</translation>
    </message>
    <message>
        <source>No server answered on this network.</source>
        <translation>本网络中没有服务器响应。</translation>
    </message>
    <message>
        <source>Create your account</source>
        <translation>创建账号</translation>
    </message>
    <message>
        <source>Sign in to Natter</source>
        <translation>登录 Natter</translation>
    </message>
    <message>
        <source>Create account</source>
        <translation>创建账号</translation>
    </message>
    <message>
        <source>I have an account: sign in</source>
        <translation>已有账号？登录</translation>
    </message>
    <message>
        <source>New here? Create an account</source>
        <translation>新用户？创建账号</translation>
    </message>
    <message>
        <source>Enter your password.</source>
        <translation>请输入密码。</translation>
    </message>
    <message>
        <source>Creating your account…</source>
        <translation>正在创建账号…</translation>
    </message>
    <message>
        <source>Signing in…</source>
        <translation>正在登录…</translation>
    </message>
    <message>
        <source>Natter desktop on %1</source>
        <translation>Natter 桌面版（%1）</translation>
    </message>
</context>
<context>
    <name>natter::client::UploadBar</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Sending %1 (%2 of %3)</source>
        <translation>正在发送 %1（%2 / %3）</translation>
    </message>
    <message>
        <source>and %1 more</source>
        <translation>以及另外 %1 个</translation>
    </message>
</context>
</TS>
